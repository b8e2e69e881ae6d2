/** `gradstack evaluate --ckpt DIR [--split val] [--batch_size 64]`: the exact loss of a trained GPT on a split. */
import { resolveConfig } from "../config.js";
import { loadGPTCheckpoint, readCorpus, splitLoss } from "../../train/gpt-train.js";
import { splitTrainVal } from "../../data/token-windows.js";

export const EVALUATE_DEFAULTS = {
  ckpt: "out-shakespeare-char",
  /** "val" (the last 10% of the text, as in training) or "train". */
  split: "val",
  /** Windows per forward pass; the result does not depend on it. */
  batch_size: 64,
};

export function run(argv: string[]): void {
  const { config: c } = resolveConfig(EVALUATE_DEFAULTS, argv);
  if (c.split !== "val" && c.split !== "train")
    throw new Error(`evaluate: --split must be "val" or "train", got "${c.split}"`);
  if (!Number.isInteger(c.batch_size) || c.batch_size < 1)
    throw new RangeError(`evaluate: --batch_size must be a positive integer, got ${c.batch_size}`);
  const { model, tokenizer, config } = loadGPTCheckpoint(c.ckpt);
  const data = splitTrainVal(tokenizer.encode(readCorpus(config)))[c.split];
  const t0 = performance.now();
  const r = splitLoss(model, data, config.block_size, c.batch_size);
  const seconds = (performance.now() - t0) / 1000;
  console.log(
    `${c.split} loss ${r.loss.toFixed(4)} (perplexity ${Math.exp(r.loss).toFixed(3)}) over ` +
      `${r.tokens.toLocaleString("en-US")} tokens: ${r.windows} windows of ${config.block_size} · ${seconds.toFixed(1)} s`,
  );
}
