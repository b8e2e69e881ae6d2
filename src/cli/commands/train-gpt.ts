/** `gradstack train gpt`: nanoGPT's train.py on a text file (tiny Shakespeare by default). */
import { formatConfig, resolveConfig } from "../config.js";
import { trainProgress } from "./train-progress.js";
import { GPT_TRAIN_DEFAULTS, trainGPT, type TrainResult } from "../../train/gpt-train.js";
import { backend } from "../../backend/index.js";

export function runTraining(argv: string[], overrides: Partial<typeof GPT_TRAIN_DEFAULTS> = {}): TrainResult {
  const { config, rest } = resolveConfig({ ...GPT_TRAIN_DEFAULTS, ...overrides }, argv);
  if (rest.length > 0)
    throw new Error(`train gpt: unexpected argument "${rest[0]}" (options are --key=value)`);
  console.log(formatConfig(config));
  const result = trainGPT(
    config,
    trainProgress({
      bar: "run",
      startLine: ({ params }) => {
        const be = backend();
        return `number of parameters: ${(params / 1e6).toFixed(2)}M · backend ${be.name} (${be.threads} threads)`;
      },
      fields: ({ iter, loss, lr, tokensPerSec }) => ({
        iter,
        loss,
        lr: lr.toExponential(2),
        "tok/s": Math.round(tokensPerSec),
      }),
      evalLine: ({ iter, train, val, saved }) =>
        `step ${iter}: train loss ${train.toFixed(4)}, val loss ${val.toFixed(4)}${saved ? " (saved checkpoint)" : ""}`,
    }),
  );
  console.log(
    `best val loss ${result.bestValLoss.toFixed(4)} · checkpoint ${result.checkpoint} · curve ${config.out_dir}/loss.svg`,
  );
  return result;
}

export function run(argv: string[]): void {
  runTraining(argv);
}
