/** `gradstack evaluate --ckpt DIR [--split val] [--batch_size 64]`: the exact loss of a trained GPT on a split. */
import { defineCommand } from "../command.js";
import { COUNT } from "../option-rules.js";
import { loadGPTCheckpoint, readCorpus, splitLoss } from "../../train/gpt-train.js";
import { splitTrainVal } from "../../data/token-windows.js";

export const command = defineCommand({
  name: "evaluate",
  summary: "the exact loss of a trained GPT on its validation split: gradstack evaluate --ckpt DIR",
  defaults: { ckpt: "out-shakespeare-char", split: "val", batch_size: 64 },
  help: {
    ckpt: "folder of the checkpoint (train gpt's --out_dir)",
    split: '"val" (the last 10% of the text, as in training) or "train"',
    batch_size: "windows per forward pass (the result does not depend on it)",
  },
  rules: { split: { oneOf: ["val", "train"] }, batch_size: COUNT },
  run(c) {
    const { model, tokenizer, config } = loadGPTCheckpoint(c.ckpt);
    const data = splitTrainVal(tokenizer.encode(readCorpus(config)))[c.split as "val" | "train"];
    const t0 = performance.now();
    const r = splitLoss(model, data, config.block_size, c.batch_size);
    const seconds = (performance.now() - t0) / 1000;
    console.log(
      `${c.split} loss ${r.loss.toFixed(4)} (perplexity ${Math.exp(r.loss).toFixed(3)}) over ` +
        `${r.tokens.toLocaleString("en-US")} tokens: ${r.windows} windows of ${config.block_size} · ${seconds.toFixed(1)} s`,
    );
  },
});
