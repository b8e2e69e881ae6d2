/** What every `gradstack train ...` shows while it runs: a start line, a progress bar, one line per evaluation. */
import { ProgressBar } from "../progress.js";
import { backend } from "../../backend/index.js";
import type { EvalInfo, StartInfo, StepInfo, TrainHooks } from "../../train/loop.js";

export interface ProgressOptions {
  /** "run": one bar over all the run's steps; "epoch": one bar per epoch. */
  bar: "run" | "epoch";
  /** The fields shown after the bar (default: the loss). */
  fields?(step: StepInfo): Record<string, string | number>;
  /** The line printed after an evaluation (default: none). */
  evalLine?(e: EvalInfo): string;
  /** The line printed at the start (default: description, parameters, backend). */
  startLine?(s: StartInfo): string;
  /** Epoch bars: how many epochs the run has, for their label. */
  epochs?: number;
}

export function defaultStartLine({ description, params }: StartInfo): string {
  const be = backend();
  return `${description} · ${params.toLocaleString("en-US")} parameters · backend ${be.name} (${be.threads} threads)`;
}

/** Hooks that draw the progress on stderr and print start and evaluation lines on stdout. */
export function trainProgress(opts: ProgressOptions): TrainHooks {
  let bar: ProgressBar | null = null;
  let startIter = 0;
  let epochShown = -1;
  const fields = opts.fields ?? (({ loss }: StepInfo) => ({ loss }));
  return {
    onStart: (s) => {
      console.log((opts.startLine ?? defaultStartLine)(s));
      if (s.startIter > 0) console.log(`resuming from step ${s.startIter}`);
      startIter = s.startIter;
      if (opts.bar === "run" && s.totalIters > 0)
        bar = new ProgressBar(s.totalIters - s.startIter, { label: "train" });
    },
    onStep: (s) => {
      if (opts.bar === "epoch" && s.epoch !== epochShown) {
        epochShown = s.epoch!;
        const of = opts.epochs ? `/${opts.epochs}` : "";
        bar = new ProgressBar(s.batches!, { label: `epoch ${s.epoch}${of}` });
      }
      bar?.update(opts.bar === "epoch" ? s.batch! : s.iter + 1 - startIter, fields(s));
    },
    onEval: (e) => {
      if (!opts.evalLine) return;
      if (bar && process.stderr.isTTY) process.stderr.write("\n");
      console.log(opts.evalLine(e));
    },
  };
}
