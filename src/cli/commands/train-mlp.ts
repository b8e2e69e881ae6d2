/** `gradstack train mlp`: the Bengio MLP language model on names (makemore lecture 2). */
import { defineCommand } from "../command.js";
import { COUNT, NON_NEGATIVE, NON_NEGATIVE_INT, TRAIN_RULES } from "../option-rules.js";
import { NAN_POLICY_HELP } from "../../train/health.js";
import { trainProgress } from "./train-progress.js";
import { NAMES_MLP_DEFAULTS, trainNamesMLPAsync } from "../../train/lm-names.js";
import { DEVICE_HELP, DEVICE_RULE, openDevice } from "../device-option.js";

export const command = defineCommand({
  name: "train mlp",
  summary: "the Bengio MLP language model on names",
  defaults: NAMES_MLP_DEFAULTS,
  help: {
    out_dir: "folder of the checkpoint, metrics.jsonl and loss.svg",
    data_path: 'a names file, one name per line ("": the shipped data/names/names.txt)',
    split_seed: "seed of the 80/10/10 train/dev/test split of the names",
    block_size: "characters of context",
    embed_dim: "size of a character's embedding",
    hidden_size: "tanh units of the hidden layer",
    batch_size: "contexts per step",
    max_iters: "training steps (SGD)",
    learning_rate: "learning rate until lr_decay_iter",
    lr_decay_iter: "from this step on, the learning rate is lr_decayed",
    lr_decayed: "learning rate from lr_decay_iter on",
    eval_interval: "evaluate on the dev split (and save) every this many steps",
    log_interval: "log the training loss every this many steps",
    seed: "random seed (initialization, batches, samples)",
    num_samples: "names sampled after training",
    max_seconds: "stop after this many seconds of training (0: no limit)",
    nan_policy: NAN_POLICY_HELP,
    device: DEVICE_HELP,
  },
  rules: {
    ...TRAIN_RULES,
    split_seed: { int: true },
    block_size: { int: true, min: 1, max: 64 },
    embed_dim: COUNT,
    hidden_size: COUNT,
    batch_size: COUNT,
    max_iters: COUNT,
    learning_rate: NON_NEGATIVE,
    lr_decay_iter: NON_NEGATIVE_INT,
    lr_decayed: NON_NEGATIVE,
    eval_interval: COUNT,
    log_interval: COUNT,
    num_samples: NON_NEGATIVE_INT,
    device: DEVICE_RULE,
  },
  printConfig: true,
  async run(config, { progress }) {
    await openDevice(config.device);
    const r = await trainNamesMLPAsync(
      config,
      trainProgress(progress, {
        bar: "run",
        fields: ({ loss, lr }) => ({ loss, lr }),
        evalLine: ({ iter, train, val, saved }) =>
          `step ${iter}: train ${train.toFixed(4)}, dev ${val.toFixed(4)}${saved ? " (saved checkpoint)" : ""}`,
      }),
    );
    progress.log(
      `final NLL per character: train ${r.train.toFixed(4)} · dev ${r.dev.toFixed(4)} · test ${r.test.toFixed(4)}`,
    );
    console.log(`samples: ${r.samples.join(", ")}`);
    console.log(`checkpoint ${r.checkpoint} · curve ${config.out_dir}/loss.svg`);
  },
});
