/**
 * `gradstack train rnn|lstm|gru`: a recurrent language model on characters of a text (`--data=timemachine`
 * (default), `shakespeare` or a file: d2l's setup) or on names (`--data=names`: makemore.py's setup).
 * The two setups are two commands with their own options; `--data` picks one.
 */
import { defineCommand, type OptionsCommand } from "../command.js";
import { COUNT, DROPOUT, NON_NEGATIVE, NON_NEGATIVE_INT, TRAIN_RULES } from "../option-rules.js";
import { NAN_POLICY_HELP } from "../../train/health.js";
import type { Progress } from "../progress.js";
import { trainProgress } from "./train-progress.js";
import { NAMES_RNN_DEFAULTS, trainNamesRNNAsync } from "../../train/lm-names.js";
import { TEXT_RNN_DEFAULTS, trainTextRNNAsync } from "../../train/lm-text.js";
import { DEVICE_HELP, DEVICE_RULE, openDevice } from "../device-option.js";
import type { TrainHooks } from "../../train/loop.js";

type Cell = "rnn" | "lstm" | "gru";

/** d2l's settings per cell: the RNN trains 100 epochs at lr 1, the GRU and LSTM 50 epochs at lr 4. */
const D2L_TEXT: Record<Cell, Partial<typeof TEXT_RNN_DEFAULTS>> = {
  rnn: { learning_rate: 1, max_epochs: 100 },
  gru: { learning_rate: 4, max_epochs: 50 },
  lstm: { learning_rate: 4, max_epochs: 50 },
};

const SHARED_HELP = {
  cell: '"rnn", "lstm" or "gru": given by the command',
  hidden_size: "hidden units per layer",
  num_layers: "stacked recurrent layers",
  dropout: "dropout probability between layers",
  batch_size: "sequences per step",
  optimizer: '"sgd", "adam" or "adamw"',
  learning_rate: "learning rate",
  weight_decay: "weight decay",
  grad_clip: "clip the gradient norm at this value (0: no clipping)",
  seed: "random seed (initialization, batches, dropout, samples)",
  nan_policy: NAN_POLICY_HELP,
  device: DEVICE_HELP,
};

const SHARED_RULES = {
  ...TRAIN_RULES,
  cell: { oneOf: ["rnn", "lstm", "gru"] },
  hidden_size: COUNT,
  num_layers: COUNT,
  dropout: DROPOUT,
  batch_size: COUNT,
  optimizer: { oneOf: ["sgd", "adam", "adamw"] },
  learning_rate: NON_NEGATIVE,
  weight_decay: NON_NEGATIVE,
  grad_clip: NON_NEGATIVE,
  device: DEVICE_RULE,
};

const article = (cell: Cell) => (cell === "gru" ? "a" : "an");

/** The value of `--data` in argv (either `--data=x` or `--data x`), or undefined. */
function dataFlag(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i].startsWith("--data=")) return argv[i].slice(7);
    if (argv[i] === "--data") return argv[i + 1];
  }
  return undefined;
}

function hooks(progress: Progress): TrainHooks {
  return trainProgress(progress, {
    bar: "run",
    fields: ({ loss, ms }) => ({ loss, "ms/step": Math.round(ms) }),
    evalLine: ({ iter, train, val, saved }) =>
      `step ${iter}: train ${train.toFixed(4)}, val ${val.toFixed(4)} (perplexity ${Math.exp(val).toFixed(3)})${saved ? " (saved checkpoint)" : ""}`,
  });
}

/** The cell is given by the command: `train lstm --cell=gru` is a mistake. */
const sameCell = (cell: Cell) => (config: { cell: string }) =>
  config.cell === cell ? undefined : `the cell is given by the command; use "train ${config.cell}"`;

/** d2l's setup: characters of a text, in windows or as one stream. */
function textCommand(cell: Cell): OptionsCommand {
  return defineCommand({
    name: `train ${cell}`,
    summary: `${article(cell)} ${cell.toUpperCase()} LM, --data timemachine|names|FILE`,
    defaults: { ...TEXT_RNN_DEFAULTS, ...D2L_TEXT[cell], cell, out_dir: `out-text-${cell}` },
    help: {
      ...SHARED_HELP,
      out_dir: "folder of the checkpoint, metrics.jsonl and loss.svg",
      data: `"timemachine", "shakespeare", a text file, or "names" (its own options: gradstack train ${cell} --data=names --help)`,
      embed_dim: "size of a character's embedding (0: one-hot characters, as d2l)",
      num_steps: "characters per training window",
      batching: '"windows" (d2l) or "stream" (truncated BPTT, the state carried across windows)',
      num_train: "windows: how many windows train",
      num_val: "windows: how many windows validate",
      val_fraction: "stream: the last this fraction of the text validates",
      max_epochs: "passes over the training windows",
      max_iters: "stop after this many steps (0: max_epochs decides)",
      eval_interval: "evaluate every this many epochs",
      prefix: "sampled after training: the text to continue",
      sample_len: "sampled after training: characters after the prefix",
      temperature: "sampling temperature (0: always the most likely character, as d2l's predict)",
      max_seconds: "stop after this many seconds of training, with a final evaluation (0: no limit)",
    },
    rules: {
      ...SHARED_RULES,
      embed_dim: NON_NEGATIVE_INT,
      num_steps: COUNT,
      batching: { oneOf: ["windows", "stream"] },
      num_train: COUNT,
      num_val: COUNT,
      val_fraction: { above: 0, below: 1 },
      max_epochs: COUNT,
      max_iters: NON_NEGATIVE_INT,
      eval_interval: COUNT,
      sample_len: NON_NEGATIVE_INT,
      temperature: NON_NEGATIVE,
    },
    validate: sameCell(cell),
    printConfig: true,
    async run(config, { progress }) {
      await openDevice(config.device);
      const r = await trainTextRNNAsync(config, hooks(progress));
      progress.log(
        `validation loss ${r.valLoss.toFixed(4)}, perplexity ${r.valPerplexity.toFixed(3)} (best ${r.bestValPerplexity.toFixed(3)}) after ${r.epochs} epochs, ${r.iters} steps, ${r.seconds.toFixed(0)} s (${Math.round(r.tokensPerSec).toLocaleString("en-US")} training characters/s)`,
      );
      console.log(`sample: ${JSON.stringify(r.sample)}`);
      console.log(`checkpoint ${r.checkpoint} · curve ${config.out_dir}/loss.svg`);
    },
  });
}

/** makemore.py's setup: names, one per line, each a sequence. */
function namesCommand(cell: Cell): OptionsCommand {
  return defineCommand({
    name: `train ${cell} --data=names`,
    summary: `${article(cell)} ${cell.toUpperCase()} LM on names (makemore.py's setup)`,
    defaults: { ...NAMES_RNN_DEFAULTS, cell, out_dir: `out-names-${cell}` },
    help: {
      ...SHARED_HELP,
      out_dir: "folder of the checkpoint, metrics.jsonl and loss.svg",
      data_path: 'a names file, one name per line ("": the shipped data/names/names.txt)',
      split_seed: "seed of the 80/10/10 train/dev/test split of the names",
      embed_dim: "size of a character's embedding",
      max_iters: "training steps",
      min_lr: "the learning rate decays to this along a cosine over max_iters (after warmup_iters)",
      warmup_iters: "steps of linear learning-rate warmup",
      eval_interval: "evaluate on the dev split (and save) every this many steps",
      log_interval: "log the training loss every this many steps",
      num_samples: "names sampled after training",
      max_seconds: "stop after this many seconds of training (0: no limit)",
    },
    rules: {
      ...SHARED_RULES,
      split_seed: { int: true },
      embed_dim: COUNT,
      max_iters: COUNT,
      min_lr: NON_NEGATIVE,
      warmup_iters: NON_NEGATIVE_INT,
      eval_interval: COUNT,
      log_interval: COUNT,
      num_samples: NON_NEGATIVE_INT,
    },
    validate: sameCell(cell),
    printConfig: true,
    async run(config, { progress }) {
      await openDevice(config.device);
      const r = await trainNamesRNNAsync(config, hooks(progress));
      progress.log(
        `final NLL per character: train ${r.train.toFixed(4)} · dev ${r.dev.toFixed(4)} · test ${r.test.toFixed(4)}`,
      );
      console.log(`samples: ${r.samples.join(", ")}`);
      console.log(`checkpoint ${r.checkpoint} · curve ${config.out_dir}/loss.svg`);
    },
  });
}

/** `train <cell>`: the text command, or the names command when `--data=names` (which it then drops). */
export function cellCommand(cell: Cell): OptionsCommand {
  const text = textCommand(cell);
  const names = namesCommand(cell);
  const pick = (argv: readonly string[]): [OptionsCommand, readonly string[]] =>
    dataFlag(argv) === "names"
      ? [
          names,
          argv.filter((a, i) => !(a === "--data" || a.startsWith("--data=") || argv[i - 1] === "--data")),
        ]
      : [text, argv];
  return {
    ...text,
    variants: [names],
    parse: (argv) => {
      const [command, rest] = pick(argv);
      return command.parse(rest);
    },
    main: (argv) => {
      const [command, rest] = pick(argv);
      return command.main(rest);
    },
  };
}

export const command = cellCommand("rnn");
