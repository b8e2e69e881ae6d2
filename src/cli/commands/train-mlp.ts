/** `gradstack train mlp`: the Bengio MLP language model on names (makemore lecture 2). */
import { formatConfig, resolveConfig } from "../config.js";
import { trainProgress } from "./train-progress.js";
import { NAMES_MLP_DEFAULTS, trainNamesMLP } from "../../train/lm-names.js";

export function run(argv: string[]): void {
  const { config, rest } = resolveConfig(NAMES_MLP_DEFAULTS, argv);
  if (rest.length > 0)
    throw new Error(`train mlp: unexpected argument "${rest[0]}" (options are --key=value)`);
  console.log(formatConfig(config));
  const r = trainNamesMLP(
    config,
    trainProgress({
      bar: "run",
      fields: ({ loss, lr }) => ({ loss, lr }),
      evalLine: ({ iter, train, val, saved }) =>
        `step ${iter}: train ${train.toFixed(4)}, dev ${val.toFixed(4)}${saved ? " (saved checkpoint)" : ""}`,
    }),
  );
  console.log(
    `final NLL per character: train ${r.train.toFixed(4)} · dev ${r.dev.toFixed(4)} · test ${r.test.toFixed(4)}`,
  );
  console.log(`samples: ${r.samples.join(", ")}`);
  console.log(`checkpoint ${r.checkpoint} · curve ${config.out_dir}/loss.svg`);
}
