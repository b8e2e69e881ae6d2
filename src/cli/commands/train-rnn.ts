/**
 * `gradstack train rnn|lstm|gru`: a recurrent language model on names (`--data=names`, makemore.py's
 * setup) or on characters of a text (`--data=timemachine` (default), `shakespeare` or a file: d2l's setup).
 */
import { formatConfig, resolveConfig } from "../config.js";
import { trainProgress } from "./train-progress.js";
import { NAMES_RNN_DEFAULTS, trainNamesRNN } from "../../train/lm-names.js";
import { TEXT_RNN_DEFAULTS, trainTextRNN } from "../../train/lm-text.js";
import type { TrainHooks } from "../../train/loop.js";

type Cell = "rnn" | "lstm" | "gru";

/** d2l's settings per cell: the RNN trains 100 epochs at lr 1, the GRU and LSTM 50 epochs at lr 4. */
const D2L_TEXT: Record<Cell, Partial<typeof TEXT_RNN_DEFAULTS>> = {
  rnn: { learning_rate: 1, max_epochs: 100 },
  gru: { learning_rate: 4, max_epochs: 50 },
  lstm: { learning_rate: 4, max_epochs: 50 },
};

/** The value of `--data` in argv (either `--data=x` or `--data x`), or undefined. */
function dataFlag(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i].startsWith("--data=")) return argv[i].slice(7);
    if (argv[i] === "--data") return argv[i + 1];
  }
  return undefined;
}

function hooks(): TrainHooks {
  return trainProgress({
    bar: "run",
    fields: ({ loss, ms }) => ({ loss, "ms/step": Math.round(ms) }),
    evalLine: ({ iter, train, val, saved }) =>
      `step ${iter}: train ${train.toFixed(4)}, val ${val.toFixed(4)} (perplexity ${Math.exp(val).toFixed(3)})${saved ? " (saved checkpoint)" : ""}`,
  });
}

export function runCell(cell: Cell, argv: string[]): void {
  const data = dataFlag(argv) ?? "timemachine";
  if (data === "names") {
    const rest = argv.filter(
      (a, i) => !(a === "--data" || a.startsWith("--data=") || argv[i - 1] === "--data"),
    );
    const { config, rest: extra } = resolveConfig(
      { ...NAMES_RNN_DEFAULTS, cell, out_dir: `out-names-${cell}` },
      rest,
    );
    if (extra.length > 0)
      throw new Error(`train ${cell}: unexpected argument "${extra[0]}" (options are --key=value)`);
    if (config.cell !== cell)
      throw new Error(`train ${cell}: the cell is given by the command; use "train ${config.cell}"`);
    console.log(formatConfig(config));
    const r = trainNamesRNN(config, hooks());
    console.log(
      `final NLL per character: train ${r.train.toFixed(4)} · dev ${r.dev.toFixed(4)} · test ${r.test.toFixed(4)}`,
    );
    console.log(`samples: ${r.samples.join(", ")}`);
    console.log(`checkpoint ${r.checkpoint} · curve ${config.out_dir}/loss.svg`);
    return;
  }
  const defaults = { ...TEXT_RNN_DEFAULTS, ...D2L_TEXT[cell], cell, out_dir: `out-text-${cell}` };
  const { config, rest } = resolveConfig(defaults, argv);
  if (rest.length > 0)
    throw new Error(`train ${cell}: unexpected argument "${rest[0]}" (options are --key=value)`);
  if (config.cell !== cell)
    throw new Error(`train ${cell}: the cell is given by the command; use "train ${config.cell}"`);
  console.log(formatConfig(config));
  const r = trainTextRNN(config, hooks());
  console.log(
    `validation loss ${r.valLoss.toFixed(4)}, perplexity ${r.valPerplexity.toFixed(3)} (best ${r.bestValPerplexity.toFixed(3)}) after ${r.epochs} epochs, ${r.iters} steps, ${r.seconds.toFixed(0)} s (${Math.round(r.tokensPerSec).toLocaleString("en-US")} training characters/s)`,
  );
  console.log(`sample: ${JSON.stringify(r.sample)}`);
  console.log(`checkpoint ${r.checkpoint} · curve ${config.out_dir}/loss.svg`);
}

export function run(argv: string[]): void {
  runCell("rnn", argv);
}
