/** `gradstack train mlp`: the Bengio MLP language model on names (makemore lecture 2). */
import { formatConfig, resolveConfig } from "../config.js";
import { ProgressBar } from "../progress.js";
import { NAMES_MLP_DEFAULTS, trainNamesMLP } from "../../train/lm-names.js";
import { backend } from "../../backend/index.js";

export function run(argv: string[]): void {
  const { config, rest } = resolveConfig(NAMES_MLP_DEFAULTS, argv);
  if (rest.length > 0)
    throw new Error(`train mlp: unexpected argument "${rest[0]}" (options are --key=value)`);
  console.log(formatConfig(config));
  let bar: ProgressBar | null = null;
  const r = trainNamesMLP(config, {
    onStart: ({ description, params, totalIters }) => {
      const be = backend();
      console.log(`${description} · ${params.toLocaleString("en-US")} parameters · backend ${be.name}`);
      bar = new ProgressBar(totalIters, { label: "train" });
    },
    onStep: ({ iter, loss, lr }) => bar?.update(iter + 1, { loss, lr }),
    onEval: ({ iter, train, val, saved }) => {
      if (bar && process.stderr.isTTY) process.stderr.write("\n");
      console.log(
        `step ${iter}: train ${train.toFixed(4)}, dev ${val.toFixed(4)}${saved ? " (saved checkpoint)" : ""}`,
      );
    },
  });
  console.log(
    `final NLL per character: train ${r.train.toFixed(4)} · dev ${r.dev.toFixed(4)} · test ${r.test.toFixed(4)}`,
  );
  console.log(`samples: ${r.samples.join(", ")}`);
  console.log(`checkpoint ${r.checkpoint} · curve ${config.out_dir}/loss.svg`);
}
