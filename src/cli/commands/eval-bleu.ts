/**
 * `gradstack eval-bleu --ckpt DIR [--split test|val] [--beam_size 5] [--length_penalty 0.6]`: corpus BLEU
 * of a trained translation model on a split of the dataset it was trained on.
 */
import { writeFileSync } from "node:fs";
import { resolveConfig } from "../config.js";
import { ProgressBar } from "../progress.js";
import { loadTranslator } from "../../train/mt-model.js";
import { loadMTData } from "../../data/translation-corpora.js";
import { evaluateBleu } from "../../train/mt-eval.js";

export const EVAL_BLEU_DEFAULTS = {
  ckpt: "out-mt-transformer-multi30k",
  split: "test",
  /** The dataset folder, if not the one the model was trained with. */
  data_dir: "",
  beam_size: 1,
  length_penalty: 0,
  max_len: 50,
  /** Write the translations here, one per line. */
  hyp_out: "",
};

export function run(argv: string[]): void {
  const { config: c, rest } = resolveConfig(EVAL_BLEU_DEFAULTS, argv);
  if (rest.length > 0)
    throw new Error(`eval-bleu: unexpected argument "${rest[0]}" (options are --key=value)`);
  if (c.split !== "test" && c.split !== "val" && c.split !== "train")
    throw new Error(`eval-bleu: --split must be test, val or train, got "${c.split}"`);
  const t = loadTranslator(c.ckpt);
  const data = loadMTData({ ...t.config, data_dir: c.data_dir || t.config.data_dir });
  const split = data[c.split];
  console.log(
    `${t.file}: ${t.config.arch} on ${t.config.data} ${t.config.src}→${t.config.tgt}, ${split.text.src.length} ${c.split} sentences`,
  );
  const bar = new ProgressBar(split.text.src.length, { label: "translating" });
  const t0 = performance.now();
  const report = evaluateBleu(t.model, split, t, {
    beamSize: c.beam_size,
    lengthPenalty: c.length_penalty,
    maxLen: c.max_len,
    onProgress: (done, total) => (done < total ? bar.update(done) : bar.done()),
  });
  console.log(`sacreBLEU (13a, lowercased): ${String(report.sacrebleu)}`);
  console.log(`token BLEU:                  ${String(report.tokenBleu)}`);
  console.log(
    `beam ${c.beam_size}, length penalty ${c.length_penalty} · ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  if (c.hyp_out) writeFileSync(c.hyp_out, report.translations.map((x) => x.text).join("\n") + "\n");
}
