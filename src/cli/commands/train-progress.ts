/**
 * What every `gradstack train ...` shows while it runs: a start line, a progress bar (over the run or
 * per epoch) and one line per evaluation, as hooks of the training loop drawing on the command's
 * `Progress` (which `defineCommand` hands to `run`).
 */
import type { Progress } from "../progress.js";
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

export function defaultStartLine({ description, params, device }: StartInfo): string {
  return `${description} · ${params.toLocaleString("en-US")} parameters · ${whereItRuns(device)}`;
}

/** "backend cpu-js (4 threads)" on the CPU, "device webgpu" on another device. */
export function whereItRuns(device: string): string {
  if (device !== "cpu") return `device ${device}`;
  const be = backend();
  return `backend ${be.name} (${be.threads} threads)`;
}

/** Hooks that draw the progress on stderr and print start and evaluation lines on stdout. */
export function trainProgress(progress: Progress, opts: ProgressOptions): TrainHooks {
  let startIter = 0;
  let epochShown = -1;
  const fields = opts.fields ?? (({ loss }: StepInfo) => ({ loss }));
  return {
    onStart: (s) => {
      console.log((opts.startLine ?? defaultStartLine)(s));
      if (s.startIter > 0) console.log(`resuming from step ${s.startIter}`);
      startIter = s.startIter;
      if (opts.bar === "run" && s.totalIters > 0) progress.start(s.totalIters - s.startIter, "train");
    },
    onStep: (s) => {
      if (opts.bar === "epoch" && s.epoch !== epochShown) {
        epochShown = s.epoch!;
        const of = opts.epochs ? `/${opts.epochs}` : "";
        progress.start(s.batches!, `epoch ${s.epoch}${of}`);
      }
      progress.update(opts.bar === "epoch" ? s.batch! : s.iter + 1 - startIter, fields(s));
    },
    onEval: (e) => {
      if (opts.evalLine) progress.log(opts.evalLine(e));
    },
    onEvalProgress: progress.counter("test BLEU"),
  };
}
