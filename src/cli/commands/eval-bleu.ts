/**
 * `gradstack eval-bleu --ckpt DIR [--split test|val] [--beam_size 5] [--length_penalty 0.6]`: corpus BLEU
 * of a trained translation model on a split of the dataset it was trained on.
 */
import { writeFileSync } from "node:fs";
import { defineCommand } from "../command.js";
import { decodeLimit, loadTranslator } from "../../train/mt-model.js";
import { COUNT, NON_NEGATIVE } from "../option-rules.js";
import { loadMTData } from "../../data/translation-corpora.js";
import { evaluateBleu } from "../../train/mt-eval.js";

export const command = defineCommand({
  name: "eval-bleu",
  summary: "corpus BLEU of a trained translation model: gradstack eval-bleu --ckpt DIR [--beam_size 5]",
  defaults: {
    ckpt: "out-mt-transformer-multi30k",
    split: "test",
    data_dir: "",
    beam_size: 1,
    length_penalty: 0,
    max_len: 50,
    hyp_out: "",
  },
  help: {
    ckpt: "folder of the checkpoint (train translate's --out_dir)",
    split: '"test", "val" or "train"',
    data_dir: 'folder of the corpus ("": the one the model was trained with)',
    beam_size: "beam width (1: greedy)",
    length_penalty: "length penalty of the beam search (0: none)",
    max_len: "longest translation in tokens (cut to the model's limit, e.g. a transformer's positions)",
    hyp_out: "write the translations to this file, one per line",
  },
  rules: {
    split: { oneOf: ["test", "val", "train"] },
    beam_size: COUNT,
    length_penalty: NON_NEGATIVE,
    max_len: COUNT,
  },
  run(c, { progress }) {
    const t = loadTranslator(c.ckpt);
    const data = loadMTData({ ...t.config, data_dir: c.data_dir || t.config.data_dir });
    const split = data[c.split as "test" | "val" | "train"];
    console.log(
      `${t.file}: ${t.config.arch} on ${t.config.data} ${t.config.src}→${t.config.tgt}, ${split.text.src.length} ${c.split} sentences`,
    );
    const t0 = performance.now();
    const report = evaluateBleu(t.model, split, t, {
      beamSize: c.beam_size,
      lengthPenalty: c.length_penalty,
      maxLen: Math.min(c.max_len, decodeLimit(t.model)),
      onProgress: progress.counter("translating"),
    });
    console.log(`sacreBLEU (13a, lowercased): ${String(report.sacrebleu)}`);
    console.log(`token BLEU:                  ${String(report.tokenBleu)}`);
    console.log(
      `beam ${c.beam_size}, length penalty ${c.length_penalty} · ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    if (c.hyp_out) writeFileSync(c.hyp_out, report.translations.map((x) => x.text).join("\n") + "\n");
  },
});
