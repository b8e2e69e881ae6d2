/** `gradstack train bigram`: makemore's bigram model on names, count-based (default) or neural. */
import { defineCommand } from "../command.js";
import { COUNT, NON_NEGATIVE, NON_NEGATIVE_INT, TRAIN_RULES } from "../option-rules.js";
import { NAN_POLICY_HELP } from "../../train/health.js";
import { trainProgress } from "./train-progress.js";
import { NAMES_BIGRAM_DEFAULTS, trainNamesBigram } from "../../train/lm-names.js";

export const command = defineCommand({
  name: "train bigram",
  summary: "makemore's bigram on names (counts|neural)",
  defaults: NAMES_BIGRAM_DEFAULTS,
  help: {
    out_dir: "folder of the checkpoint",
    data_path: 'a names file, one name per line ("": the shipped data/names/names.txt)',
    split_seed: "seed of the 80/10/10 train/dev/test split of the names",
    method: '"counts" (normalized bigram counts) or "neural" (a learned 27×27 logit table)',
    smoothing: "add-k smoothing of the counts (makemore: 1)",
    max_iters: "neural: full-batch gradient steps",
    learning_rate: "neural: learning rate of the gradient steps",
    reg: "neural: weight of the W² penalty",
    seed: "random seed (initialization, samples)",
    num_samples: "names sampled after training",
    nan_policy: NAN_POLICY_HELP,
  },
  rules: {
    ...TRAIN_RULES,
    split_seed: { int: true },
    method: { oneOf: ["counts", "neural"] },
    smoothing: NON_NEGATIVE,
    max_iters: COUNT,
    learning_rate: NON_NEGATIVE,
    reg: NON_NEGATIVE,
    num_samples: NON_NEGATIVE_INT,
  },
  printConfig: true,
  run(config, { progress }) {
    const r = trainNamesBigram(
      config,
      trainProgress(progress, {
        bar: "run",
        startLine: (s) => `${s.description} · ${s.params.toLocaleString("en-US")} parameters`,
      }),
    );
    progress.log(
      `NLL per character: train ${r.train.toFixed(4)} · dev ${r.dev.toFixed(4)} · test ${r.test.toFixed(4)}`,
    );
    if (r.whole !== null) console.log(`fitted and evaluated on all names: ${r.whole.toFixed(4)}`);
    console.log(`samples: ${r.samples.join(", ")}`);
    console.log(`checkpoint ${r.checkpoint}`);
  },
});
