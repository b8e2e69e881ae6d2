/**
 * `gradstack train translate --arch gru-attn|transformer --data multi30k|fra-eng --src de --tgt en ...`:
 * trains a translation model with live progress, then reports test BLEU.
 */
import { formatConfig, resolveConfig } from "../config.js";
import { ProgressBar } from "../progress.js";
import { trainProgress } from "./train-progress.js";
import { MT_TRAIN_DEFAULTS, mtConfig, trainTranslator, type MTTrainResult } from "../../train/mt-train.js";
import { backend } from "../../backend/index.js";

export function runTranslateTraining(argv: string[]): MTTrainResult {
  // The arch and the dataset choose the preset that the other flags then override.
  const { config: first } = resolveConfig(MT_TRAIN_DEFAULTS, argv);
  const { config, rest } = resolveConfig(mtConfig({ arch: first.arch, data: first.data }), argv);
  if (rest.length > 0)
    throw new Error(`train translate: unexpected argument "${rest[0]}" (options are --key=value)`);
  console.log(formatConfig(config));
  const hooks = trainProgress({
    bar: "epoch",
    epochs: config.epochs,
    startLine: ({ params, description }) => {
      const be = backend();
      return `${config.arch} · ${(params / 1e6).toFixed(2)}M parameters · backend ${be.name} (${be.threads} threads)\n${description}`;
    },
    fields: ({ loss, lr, tokensPerSec }) => ({
      loss,
      lr: lr.toExponential(2),
      "tok/s": Math.round(tokensPerSec),
    }),
    evalLine: ({ epoch, train, val, saved, seconds }) =>
      `epoch ${epoch}: train loss ${train.toFixed(4)}, val loss ${val.toFixed(4)} (ppl ${Math.exp(val).toFixed(2)})${saved ? " (best, saved)" : ""} · ${(seconds / 60).toFixed(1)} min`,
  });
  let evalBar: ProgressBar | null = null;
  const result = trainTranslator(config, {
    ...hooks,
    onEvalProgress: (done: number, total: number) => {
      evalBar ??= new ProgressBar(total, { label: "test BLEU" });
      if (done < total) evalBar.update(done);
      else evalBar.done();
    },
  });
  const r = result.results;
  if (!result.finished)
    console.log(
      `stopped after ${r.steps} steps (${(r.trainSeconds / 60).toFixed(1)} min); continue with --init_from=resume --out_dir=${config.out_dir}`,
    );
  if (r.test) {
    console.log(`test (${r.test.split}, ${r.test.sentences} sentences, beam ${r.test.beamSize}):`);
    console.log(`  sacreBLEU (13a, lowercased): ${r.test.sacrebleuString}`);
    console.log(`  token BLEU:                  ${r.test.tokenBleuString}`);
  }
  if (r.samples) for (const line of r.samples) console.log(line);
  console.log(
    `checkpoints in ${config.out_dir} (best.safetensors, checkpoint.safetensors) · curve ${config.out_dir}/loss.svg`,
  );
  return result;
}

export function run(argv: string[]): void {
  runTranslateTraining(argv);
}
