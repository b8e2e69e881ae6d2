/**
 * The one training loop. A trainer hands in its model, optimizer, batches, the loss of a batch and an
 * evaluation; the loop runs them on a schedule and does the rest the same way for every model:
 * learning rate per step, gradient accumulation and clipping, the time budget, evaluation, the best
 * (and last) checkpoint, metrics, the loss curve, progress hooks, resuming, and the training-health
 * policy (health.ts): a non-finite loss or gradient stops the run with an error that names the step
 * and the last good checkpoint (or skips the step, or goes on, as `nanPolicy` says); a non-finite
 * model is never written, and "best" is the best finite validation number.
 *
 * Two schedules of the same loop:
 * - iterations (nanoGPT): `maxIters` steps on batches drawn one at a time, evaluated every
 *   `evalInterval` steps and at the end;
 * - epochs (d2l, bentrevett): passes over the batches of each epoch, evaluated every `evalInterval`
 *   epochs and at the end.
 */
import type { Tensor } from "../tensor/tensor.js";
import { getRngState, setRngState, type GeneratorState } from "../tensor/random.js";
import type { Module } from "../nn/module.js";
import { clipGradNorm_ } from "../nn/utils.js";
import type { Optimizer } from "../optim/optimizer.js";
import type { Checkpoint } from "../io/checkpoint.js";
import type { CheckpointKind, Curve, RunRecorder } from "./recorder.js";
import { firstNonFinite, gradNorm, MAX_SKIPPED_IN_A_ROW, type NanPolicy } from "./health.js";

/** What a trainer's loss gives for one batch. */
export interface StepOutput {
  /** The loss to minimise (backward runs on it). */
  loss: Tensor;
  /** The number to report for the batch, if not loss.item() (e.g. the loss without a penalty). */
  value?: number;
  /** Tokens (or examples) in the batch: they weight the epoch's mean loss and give tokens/s. Default 1. */
  tokens?: number;
}

export interface Evaluation {
  /** The number that picks the best checkpoint, lower is better: a validation loss or an error rate. */
  val: number;
  /** The training loss to report; left out, the loop's running mean (since the last evaluation, or of the epoch). */
  train?: number;
  /** More numbers for the metrics line, e.g. test_loss or val_ppl. */
  extra?: Record<string, number>;
}

export interface Trainer<B> {
  /** Names the run in errors, e.g. "train gpt". */
  name: string;
  /** One line about the model, for the start of the run. */
  description: string;
  model: Module;
  optimizer: Optimizer;
  /** The run's configuration, saved with every checkpoint. */
  config: object;
  /** Parameters to report (default: all of the model's). */
  params?: number;
  /** Steps the whole run will take, for progress bars (NaN when unknown). */
  totalIters?: number;
  /** Iterations: draws the batch of one (micro-)step. */
  nextBatch?(): B;
  /** Epochs: the batches of epoch `epoch` (0-based), in order. */
  epochBatches?(epoch: number): Iterable<B> & { readonly length: number };
  /** The forward pass on one batch. */
  loss(batch: B): StepOutput;
  /** Evaluates the model at step `iter` (in eval mode, without gradients) and leaves it training. */
  evaluate(iter: number): Evaluation;
  /** The learning rate of step `iter`; left out, the optimizer's stays as it is. */
  lr?(iter: number): number;
  /** What a checkpoint holds besides weights, optimizer and progress (a tokenizer, vocabularies). */
  checkpointExtra?(): Record<string, unknown>;
}

export type Schedule =
  | {
      kind: "iterations";
      maxIters: number;
      evalInterval: number;
      /** Evaluate before the first step too (nanoGPT does). */
      evalAtStart?: boolean;
    }
  | {
      kind: "epochs";
      epochs: number;
      /** Stop after this many steps even inside an epoch (default: no limit). */
      maxIters?: number;
      /** Evaluate every evalInterval epochs (default 1) and at the end. */
      evalInterval?: number;
      /**
       * When the time budget cuts an epoch short: evaluate and count it as an epoch (true, the default),
       * or only save the last checkpoint, to be resumed in the middle of that epoch (false).
       */
      evalOnStop?: boolean;
    };

export interface LoopOptions {
  schedule: Schedule;
  recorder: RunRecorder;
  /** Clip the gradients' global norm to this (0: no clipping). */
  gradClip?: number;
  /** Micro-steps whose gradients add up to one optimizer step (gradient accumulation). */
  accumulate?: number;
  /** Write a training line to the metrics every logInterval steps (default 1). */
  logInterval?: number;
  /** Stop after this many seconds of this run (0: no limit); the run ends as the schedule says. */
  maxSeconds?: number;
  /**
   * "best": checkpoint.safetensors holds the best model by validation (nanoGPT); "last+best": it holds
   * the latest evaluated state, and best.safetensors the best one. The untrained model is never saved.
   */
  checkpoints?: "best" | "last+best";
  /** "best" checkpoints: save at every evaluation, improved or not (nanoGPT's always_save_checkpoint). */
  alwaysSave?: boolean;
  /** A checkpoint written by this loop: weights, optimizer, RNG and progress continue from it. */
  resumeFrom?: Checkpoint | null;
  /** What a non-finite training loss or gradient does (health.ts); default "stop". */
  nanPolicy?: NanPolicy;
  /** "skip": the run fails after more than this many skipped steps in a row (default MAX_SKIPPED_IN_A_ROW). */
  maxSkipped?: number;
  /** Title of loss.svg, and the name of its training curve. */
  title: string;
  trainCurveName?: string;
}

export interface StartInfo {
  description: string;
  params: number;
  /** The step the run starts at (0, or where a resumed run left off). */
  startIter: number;
  totalIters: number;
}

export interface StepInfo {
  iter: number;
  /** Epoch schedules: the epoch in progress (1-based), the batch just trained (1-based) and the epoch's batches. */
  epoch?: number;
  batch?: number;
  batches?: number;
  loss: number;
  lr: number;
  ms: number;
  tokensPerSec: number;
  /** Steps skipped so far for a non-finite loss or gradient (nanPolicy "skip"), this one included. */
  skipped: number;
}

export interface EvalInfo {
  iter: number;
  /** Epoch schedules: epochs done. */
  epoch?: number;
  train: number;
  val: number;
  extra: Record<string, number>;
  /** Whether this evaluation wrote the best checkpoint (or, with alwaysSave, any checkpoint). */
  saved: boolean;
  /** Seconds of training so far, earlier runs of a resumed job included. */
  seconds: number;
}

/** The one hooks type of every training program. */
export interface TrainHooks {
  onStart?(info: StartInfo): void;
  onStep?(info: StepInfo): void;
  onEval?(info: EvalInfo): void;
  /** Long evaluations after training (test BLEU) report how far they are. */
  onEvalProgress?(done: number, total: number): void;
}

export interface LoopResult {
  iter: number;
  epoch: number;
  bestVal: number;
  lastEval: EvalInfo | null;
  evals: EvalInfo[];
  /** The time budget ended the run. */
  stopped: boolean;
  /** Seconds of training, earlier runs of a resumed job included. */
  seconds: number;
  /** Seconds inside optimizer steps only, and the tokens they trained on. */
  stepSeconds: number;
  tokens: number;
  /** Steps skipped for a non-finite loss or gradient (nanPolicy "skip"), earlier runs of a resumed job included. */
  skipped: number;
}

/** Progress saved in every checkpoint's `extra`, so that a resumed run continues where it stopped. */
interface Progress {
  epoch: number;
  /** Batches of `epoch` already trained. */
  batchInEpoch: number;
  bestValLoss: number;
  trainSeconds: number;
  trainCurve: Curve;
  valCurve: Curve;
  skippedSteps: number;
}

/** Runs a trainer on a schedule; see the file's comment. */
export function trainLoop<B>(t: Trainer<B>, o: LoopOptions, hooks: TrainHooks = {}): LoopResult {
  const rec = o.recorder;
  const s = o.schedule;
  const accumulate = o.accumulate ?? 1;
  const logInterval = o.logInterval ?? 1;
  const policy = o.nanPolicy ?? "stop";
  const byEpoch = s.kind === "epochs";
  if (byEpoch ? !t.epochBatches : !t.nextBatch)
    throw new TypeError(
      `${t.name}: an ${s.kind} schedule needs the trainer's ${byEpoch ? "epochBatches" : "nextBatch"}`,
    );
  let iter = 0;
  let epoch = 0;
  let batchInEpoch = 0;
  let best = Infinity;
  let priorSeconds = 0;
  let skipped = 0;
  // "skip" must not hide a run that no longer trains: bad steps in a row, and this run's bad steps.
  const maxSkipped = o.maxSkipped ?? MAX_SKIPPED_IN_A_ROW;
  let skippedInRow = 0;
  let skippedThisRun = 0;
  /** The newest checkpoint on disk that this run may fall back to, for the stop message. */
  let lastGood: { file: string; step: number } | null = null;
  const resumed = !!o.resumeFrom;
  if (o.resumeFrom) {
    const p = restore(t, o.resumeFrom);
    ({ epoch, batchInEpoch, bestValLoss: best, trainSeconds: priorSeconds, skippedSteps: skipped } = p);
    rec.trainCurve = p.trainCurve;
    rec.valCurve = p.valCurve;
    iter = o.resumeFrom.step ?? 0;
    if (rec.checkpoint) lastGood = { file: rec.checkpoint, step: iter };
  }
  const startIter = iter;
  // A resumed iterations run evaluates again at its first step only when that step is its last (eval_only).
  rec.begin(resumed ? iter : null, resumed && s.kind === "iterations" && iter >= s.maxIters);
  hooks.onStart?.({
    description: t.description,
    params: t.params ?? t.model.numParameters(),
    startIter: iter,
    totalIters: t.totalIters ?? (s.kind === "iterations" ? s.maxIters : NaN),
  });

  const start = performance.now();
  const seconds = () => priorSeconds + (performance.now() - start) / 1000;
  const outOfTime = () => (o.maxSeconds ?? 0) > 0 && (performance.now() - start) / 1000 >= o.maxSeconds!;
  const running = { sum: 0, weight: 0 }; // the training loss since the last evaluation, or of the epoch
  const evals: EvalInfo[] = [];
  let stepSeconds = 0;
  let tokens = 0;
  let stopped = false;

  const checkpoint = (): Checkpoint => ({
    model: t.model.stateDict(),
    optimizer: t.optimizer.stateDict(),
    config: t.config,
    step: iter,
    rng: getRngState(),
    extra: {
      ...t.checkpointExtra?.(),
      epoch,
      batchInEpoch,
      bestValLoss: best,
      trainSeconds: seconds(),
      trainCurve: rec.trainCurve,
      valCurve: rec.valCurve,
      skippedSteps: skipped,
      trainer: t.name,
    } satisfies Progress & { trainer: string },
  });

  const fallback = (): string =>
    lastGood
      ? `the last good checkpoint is ${lastGood.file} (step ${lastGood.step})`
      : "no checkpoint was written before it";
  /** The error of a run stopped for `what`; `inEpoch`: the step is inside an epoch (not at its evaluation). */
  const stopMessage = (what: string, inEpoch = byEpoch): string =>
    `${t.name}: ${what} at step ${iter}${inEpoch ? ` (epoch ${epoch + 1})` : ""}; stopped without saving a checkpoint; ${fallback()}`;

  /** Writes a checkpoint unless the model holds a non-finite weight; returns whether it wrote. */
  const save = (kind: CheckpointKind): boolean => {
    const bad = firstNonFinite(t.model.stateDict());
    if (bad) {
      if (policy === "stop") throw new Error(stopMessage(`the weight "${bad.name}" is ${bad.value}`, false));
      return false;
    }
    const file = rec.save(kind, checkpoint());
    if (file && kind === "checkpoint") lastGood = { file, step: iter };
    return true;
  };
  const evaluate = (): void => {
    const e = t.evaluate(iter);
    const finite = Number.isFinite(e.val);
    if (!finite && policy === "stop") throw new Error(stopMessage(`the validation loss is ${e.val}`, false));
    const trainLoss = e.train ?? running.sum / running.weight;
    if (s.kind === "iterations") Object.assign(running, { sum: 0, weight: 0 });
    // "Best" is the best finite number: a non-finite evaluation is recorded but never saved as best.
    const improved = finite && e.val < best;
    if (improved) best = e.val;
    const info: EvalInfo = {
      iter,
      ...(byEpoch ? { epoch } : {}),
      train: trainLoss,
      val: e.val,
      extra: e.extra ?? {},
      saved: false,
      seconds: seconds(),
    };
    rec.eval({
      iter,
      ...(byEpoch ? { epoch } : {}),
      train_loss: trainLoss,
      val_loss: e.val,
      ...info.extra,
      ...(skipped > 0 ? { skipped } : {}),
      seconds: info.seconds,
    });
    if (iter > 0 && o.checkpoints === "last+best" && finite) {
      const wrote = save("checkpoint");
      info.saved = wrote && improved && save("best");
    } else if (iter > 0 && (improved || (o.alwaysSave && finite))) {
      info.saved = save("checkpoint");
    }
    evals.push(info);
    hooks.onEval?.(info);
  };

  /** One optimizer step: the learning rate, forward and backward per micro-step, clipping, update. */
  const step = (draw: () => B, where: { batch: number; batches: number } | null): void => {
    const lr = t.lr ? t.lr(iter) : t.optimizer.paramGroups[0].lr;
    if (t.lr) for (const group of t.optimizer.paramGroups) group.lr = lr;
    const t0 = performance.now();
    let loss = 0;
    let stepTokens = 0;
    let counted = false; // whether the trainer counts tokens (otherwise each batch weighs 1)
    let unhealthy = ""; // what was not finite in this step
    for (let micro = 0; micro < accumulate; micro++) {
      const out = t.loss(draw());
      const value = out.value ?? out.loss.item();
      if (!Number.isFinite(value)) {
        if (policy === "stop") throw new Error(stopMessage(`the training loss is ${value}`));
        unhealthy ||= `the training loss is ${value}`;
      }
      // Scaled so that the accumulated gradient is the mean over micro-steps.
      (accumulate > 1 ? out.loss.div(accumulate) : out.loss).backward();
      loss += value;
      stepTokens += out.tokens ?? 1;
      counted ||= out.tokens !== undefined;
    }
    loss /= accumulate;
    // The gradients' norm tells a NaN or an infinity anywhere in them; the clipper computes it anyway.
    const params = t.model.parameters();
    const norm = (o.gradClip ?? 0) > 0 ? clipGradNorm_(params, o.gradClip!) : gradNorm(params);
    if (!Number.isFinite(norm)) {
      if (policy === "stop") throw new Error(stopMessage(`the gradient norm is ${norm}`));
      unhealthy ||= `the gradient norm is ${norm}`;
    }
    const skip = unhealthy !== "" && policy === "skip";
    if (skip) {
      skipped++;
      skippedThisRun++;
      if (++skippedInRow > maxSkipped)
        throw new Error(
          `${t.name}: ${unhealthy} at step ${iter}, ${skippedInRow} skipped steps in a row (nan_policy "skip" allows ${maxSkipped}): the run is not training; ${fallback()}`,
        );
    } else {
      skippedInRow = 0;
      t.optimizer.step();
    }
    t.optimizer.zeroGrad();
    const ms = performance.now() - t0;
    if (!skip) {
      running.sum += loss * stepTokens;
      running.weight += stepTokens;
    }
    stepSeconds += ms / 1000;
    tokens += stepTokens;
    const epochField: Record<string, number> = byEpoch ? { epoch: epoch + 1 } : {};
    const skippedField: Record<string, number> = skipped > 0 ? { skipped } : {};
    if (iter % logInterval === 0 || skip)
      rec.step({
        iter,
        ...epochField,
        loss,
        lr,
        ms,
        ...(counted ? { tokens: stepTokens } : {}),
        ...skippedField,
      });
    hooks.onStep?.({
      iter,
      ...epochField,
      ...where,
      loss,
      lr,
      ms,
      tokensPerSec: stepTokens / (ms / 1000),
      skipped,
    });
    iter++;
  };

  t.model.train();
  t.optimizer.zeroGrad();
  if (s.kind === "iterations") {
    for (;;) {
      const last = iter >= s.maxIters || outOfTime();
      // A resumed run was evaluated at its first step before that checkpoint was saved.
      const due =
        iter % s.evalInterval === 0 && (iter > 0 || s.evalAtStart) && !(resumed && iter === startIter);
      if (last || due) evaluate();
      if (last) break;
      step(() => t.nextBatch!(), null);
    }
    stopped = iter < s.maxIters;
  } else {
    const maxIters = s.maxIters ?? Infinity;
    while (epoch < s.epochs && iter < maxIters) {
      const batches = t.epochBatches!(epoch);
      Object.assign(running, { sum: 0, weight: 0 });
      let k = 0;
      for (const batch of batches) {
        if (k++ < batchInEpoch) continue; // trained before the run was resumed
        if (iter >= maxIters || outOfTime()) {
          stopped = iter < maxIters;
          break;
        }
        step(() => batch, { batch: k, batches: batches.length });
        batchInEpoch++;
      }
      if (stopped && s.evalOnStop === false) {
        if (iter > 0 && o.checkpoints === "last+best") save("checkpoint");
        break;
      }
      epoch++;
      batchInEpoch = 0;
      const finished = stopped || epoch >= s.epochs || iter >= maxIters;
      if (epoch % (s.evalInterval ?? 1) === 0 || finished) evaluate();
      if (stopped) break;
    }
  }
  rec.finish(o.title, o.trainCurveName);
  if (iter > startIter && skippedThisRun === iter - startIter)
    throw new Error(
      `${t.name}: every step of this run (${skippedThisRun}) had a non-finite loss or gradient and was skipped (nan_policy "skip"); nothing was trained; ${fallback()}`,
    );
  // "continue" (or an update that overflowed) may leave a non-finite model: the run has failed.
  const bad = firstNonFinite(t.model.stateDict());
  if (bad)
    throw new Error(
      `${t.name}: the model ends the run non-finite (${bad.value} in "${bad.name}" at step ${iter}); ${fallback()}`,
    );
  return {
    iter,
    epoch,
    bestVal: best,
    lastEval: evals.at(-1) ?? null,
    evals,
    stopped,
    seconds: seconds(),
    stepSeconds,
    tokens,
    skipped,
  };
}

/** Loads weights, optimizer state and the RNG from a checkpoint of this loop; returns its progress. */
function restore<B>(t: Trainer<B>, ckpt: Checkpoint): Progress {
  t.model.loadStateDict(ckpt.model);
  t.optimizer.loadStateDict(ckpt.optimizer as Parameters<Optimizer["loadStateDict"]>[0]);
  const p = (ckpt.extra ?? {}) as Partial<Progress>;
  if (ckpt.rng) setRngState(ckpt.rng as GeneratorState);
  return {
    epoch: p.epoch ?? 0,
    batchInEpoch: p.batchInEpoch ?? 0,
    bestValLoss: p.bestValLoss ?? Infinity,
    trainSeconds: p.trainSeconds ?? 0,
    trainCurve: p.trainCurve ?? [],
    valCurve: p.valCurve ?? [],
    skippedSteps: p.skippedSteps ?? 0,
  };
}
