/** `gradstack train bigram`: makemore's bigram model on names, count-based (default) or neural. */
import { formatConfig, resolveConfig } from "../config.js";
import { trainProgress } from "./train-progress.js";
import { NAMES_BIGRAM_DEFAULTS, trainNamesBigram } from "../../train/lm-names.js";

export function run(argv: string[]): void {
  const { config, rest } = resolveConfig(NAMES_BIGRAM_DEFAULTS, argv);
  if (rest.length > 0)
    throw new Error(`train bigram: unexpected argument "${rest[0]}" (options are --key=value)`);
  console.log(formatConfig(config));
  const r = trainNamesBigram(
    config,
    trainProgress({
      bar: "run",
      startLine: (s) => `${s.description} · ${s.params.toLocaleString("en-US")} parameters`,
    }),
  );
  console.log(
    `NLL per character: train ${r.train.toFixed(4)} · dev ${r.dev.toFixed(4)} · test ${r.test.toFixed(4)}`,
  );
  if (r.whole !== null) console.log(`fitted and evaluated on all names: ${r.whole.toFixed(4)}`);
  console.log(`samples: ${r.samples.join(", ")}`);
  console.log(`checkpoint ${r.checkpoint}`);
}
