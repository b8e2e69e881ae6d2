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
import { Tensor } from "../tensor/tensor.js";
import { getRngState, setRngState, type GeneratorState } from "../tensor/random.js";
import type { Module } from "../nn/module.js";
import { clipGradNorm_ } from "../nn/utils.js";
import type { Optimizer, OptimizerStateDict } from "../optim/optimizer.js";
import type { Checkpoint } from "../io/checkpoint.js";
import type { CheckpointKind, Curve, RunRecorder } from "./recorder.js";
import { firstNonFinite, gradNorm, MAX_SKIPPED_IN_A_ROW, type NanPolicy } from "./health.js";
import { clipGradNormTensor, gradNormTensor } from "./grad-norm-device.js";
import {
  hostTensors,
  isReads,
  readNumbers,
  readsSync,
  runAsync,
  runSync,
  settle,
  start as startRead,
  type Reading,
  type Reads,
} from "./reads.js";

/** What a trainer's loss gives for one batch. */
export interface StepOutput {
  /** The loss to minimise (backward runs on it). */
  loss: Tensor;
  /** The number to report for the batch, if not the loss (e.g. the loss without a penalty); a tensor is read later. */
  value?: number | Tensor;
  /** Tokens (or examples) in the batch: they weight the epoch's mean loss and give tokens/s. Default 1. */
  tokens?: number;
}

/** An evaluation's numbers; one-element tensors are read by the loop (on a device, in one readback). */
export interface Evaluation {
  /** The number that picks the best checkpoint, lower is better: a validation loss or an error rate. */
  val: number | Tensor;
  /** The training loss to report; left out, the loop's running mean (since the last evaluation, or of the epoch). */
  train?: number | Tensor;
  /** More numbers for the metrics line, e.g. test_loss or val_ppl. */
  extra?: Record<string, number | Tensor>;
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
  /**
   * Evaluates the model at step `iter` (in eval mode, without gradients) and leaves it training; a
   * program that reads through the loop's driver (reads.ts) runs on every device.
   */
  evaluate(iter: number): Evaluation | Reads<Evaluation>;
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
  /** Where the model trains ("cpu", "webgpu"). */
  device: string;
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

/** Runs a trainer on a schedule on the CPU backends; see the file's comment. */
export function trainLoop<B>(t: Trainer<B>, o: LoopOptions, hooks: TrainHooks = {}): LoopResult {
  return runSync(trainSteps(t, o, hooks));
}

/** Runs a trainer on a schedule on any device (webgpu included); see the file's comment. */
export function trainLoopAsync<B>(
  t: Trainer<B>,
  o: LoopOptions,
  hooks: TrainHooks = {},
): Promise<LoopResult> {
  return runAsync(trainSteps(t, o, hooks));
}

/** A step recorded on the device whose numbers (losses per micro-step, then the gradient norm) are read later. */
interface StepRecord {
  iter: number;
  epochField: Record<string, number>;
  where: { batch: number; batches: number } | null;
  lr: number;
  ms: number;
  tokens: number;
  /** Whether the trainer counts tokens (otherwise each batch weighs 1). */
  counted: boolean;
  /** The micro-steps' loss values, then the gradient norm. */
  values: (number | Tensor)[];
}

/** The loop itself, as a program that yields the values it reads (reads.ts); trainLoop and trainLoopAsync drive it. */
export function* trainSteps<B>(t: Trainer<B>, o: LoopOptions, hooks: TrainHooks = {}): Reads<LoopResult> {
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
  // On a device the host cannot read synchronously (webgpu), a step's numbers are read back once per
  // logInterval steps, while the next step is recorded; "skip" must know them before the update, so it
  // reads every step.
  const onDevice = !t.model.parameters().every(readsSync);
  const device = t.model.parameters()[0]?.device ?? "cpu";
  const deferReads = onDevice && policy !== "skip";
  // A resumed iterations run evaluates again at its first step only when that step is its last (eval_only).
  rec.begin(resumed ? iter : null, resumed && s.kind === "iterations" && iter >= s.maxIters);
  hooks.onStart?.({
    description: t.description,
    params: t.params ?? t.model.numParameters(),
    startIter: iter,
    totalIters: t.totalIters ?? (s.kind === "iterations" ? s.maxIters : NaN),
    device,
  });

  const start = performance.now();
  const seconds = () => priorSeconds + (performance.now() - start) / 1000;
  const outOfTime = () => (o.maxSeconds ?? 0) > 0 && (performance.now() - start) / 1000 >= o.maxSeconds!;
  const running = { sum: 0, weight: 0 }; // the training loss since the last evaluation, or of the epoch
  const evals: EvalInfo[] = [];
  let stepSeconds = 0;
  let tokens = 0;
  let stopped = false;

  /** The checkpoint of the current state, its tensors on the CPU (read back once from a device). */
  function* checkpoint(model: Record<string, Tensor>): Reads<Checkpoint> {
    return {
      model,
      optimizer: yield* hostOptimizerState(t.optimizer.stateDict()),
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
    };
  }

  const fallback = (): string =>
    lastGood
      ? `the last good checkpoint is ${lastGood.file} (step ${lastGood.step})`
      : "no checkpoint was written before it";
  /** The error of a run stopped for `what` at `step`; `inEpoch`: the step is inside an epoch (not at its evaluation). */
  const stopMessage = (what: string, inEpoch = byEpoch, step = iter, detected = ""): string =>
    `${t.name}: ${what} at step ${step}${inEpoch ? ` (epoch ${epoch + 1})` : ""}${detected}; stopped without saving a checkpoint; ${fallback()}`;

  /** Writes the checkpoints of `kinds` unless the model holds a non-finite weight; returns whether it wrote. */
  function* save(...kinds: CheckpointKind[]): Reads<boolean> {
    const model = yield* hostTensors(t.model.stateDict());
    const bad = firstNonFinite(model);
    if (bad) {
      if (policy === "stop") throw new Error(stopMessage(`the weight "${bad.name}" is ${bad.value}`, false));
      return false;
    }
    const ckpt = yield* checkpoint(model);
    for (const kind of kinds) {
      const file = rec.save(kind, ckpt);
      if (file && kind === "checkpoint") lastGood = { file, step: iter };
    }
    return true;
  }
  function* evaluate(): Reads<void> {
    yield* drain();
    const ran = t.evaluate(iter);
    const e = isReads(ran) ? yield* ran : ran;
    const [val, trainValue, ...extraValues] = yield* readNumbers([
      e.val,
      e.train ?? NaN,
      ...Object.values(e.extra ?? {}),
    ]);
    const extra = Object.fromEntries(Object.keys(e.extra ?? {}).map((k, i) => [k, extraValues[i]]));
    const finite = Number.isFinite(val);
    if (!finite && policy === "stop") throw new Error(stopMessage(`the validation loss is ${val}`, false));
    const trainLoss = e.train !== undefined ? trainValue : running.sum / running.weight;
    if (s.kind === "iterations") Object.assign(running, { sum: 0, weight: 0 });
    // "Best" is the best finite number: a non-finite evaluation is recorded but never saved as best.
    const improved = finite && val < best;
    if (improved) best = val;
    const info: EvalInfo = {
      iter,
      ...(byEpoch ? { epoch } : {}),
      train: trainLoss,
      val,
      extra,
      saved: false,
      seconds: seconds(),
    };
    rec.eval({
      iter,
      ...(byEpoch ? { epoch } : {}),
      train_loss: trainLoss,
      val_loss: val,
      ...extra,
      ...(skipped > 0 ? { skipped } : {}),
      seconds: info.seconds,
    });
    if (iter > 0 && o.checkpoints === "last+best" && finite) {
      info.saved = (yield* save("checkpoint", ...(improved ? (["best"] as const) : []))) && improved;
    } else if (iter > 0 && (improved || (o.alwaysSave && finite))) {
      info.saved = yield* save("checkpoint");
    }
    evals.push(info);
    hooks.onEval?.(info);
  }

  /** What was not finite among a step's numbers ("" if all are); "stop" throws here. */
  const health = (r: StepRecord, numbers: number[], detected = ""): string => {
    const lossAt = numbers.findIndex((v, i) => i < numbers.length - 1 && !Number.isFinite(v));
    const norm = numbers[numbers.length - 1];
    const what =
      lossAt >= 0
        ? `the training loss is ${numbers[lossAt]}`
        : Number.isFinite(norm)
          ? ""
          : `the gradient norm is ${norm}`;
    if (what && policy === "stop") throw new Error(stopMessage(what, byEpoch, r.iter, detected));
    return what;
  };

  /** Logs a step whose numbers are known: its loss joins the running mean, the metrics and the hooks. */
  const report = (r: StepRecord, numbers: number[], skip: boolean): void => {
    const loss = numbers.slice(0, -1).reduce((a, b) => a + b, 0) / accumulate;
    if (!skip) {
      running.sum += loss * r.tokens;
      running.weight += r.tokens;
    }
    const skippedField: Record<string, number> = skipped > 0 ? { skipped } : {};
    if (r.iter % logInterval === 0 || skip)
      rec.step({
        iter: r.iter,
        ...r.epochField,
        loss,
        lr: r.lr,
        ms: r.ms,
        ...(r.counted ? { tokens: r.tokens } : {}),
        ...skippedField,
      });
    hooks.onStep?.({
      iter: r.iter,
      ...r.epochField,
      ...r.where,
      loss,
      lr: r.lr,
      ms: r.ms,
      tokensPerSec: r.tokens / (r.ms / 1000),
      skipped,
    });
  };

  // Deferred reads: steps recorded but not yet read, and the read in flight with its steps.
  let pending: StepRecord[] = [];
  let inFlight: { steps: StepRecord[]; reading: Reading } | null = null;
  let lastRecorded = iter;
  const valuesOf = (steps: StepRecord[]) => steps.flatMap((r) => r.values);
  /** Waits for the read in flight and reports its steps. */
  function* settleInFlight(): Reads<void> {
    if (!inFlight) return;
    const { steps, reading } = inFlight;
    inFlight = null;
    const numbers = yield* settle(reading);
    let k = 0;
    for (const r of steps) {
      const mine = numbers.slice(k, (k += r.values.length));
      health(r, mine, `, read back after step ${lastRecorded} (${device} reads once per log interval)`);
      report(r, mine, false);
    }
  }
  /** Reads and reports every step recorded so far: before evaluations, checkpoints and the end. */
  function* drain(): Reads<void> {
    yield* settleInFlight();
    if (pending.length === 0) return;
    inFlight = { steps: pending, reading: yield* startRead(valuesOf(pending)) };
    pending = [];
    yield* settleInFlight();
  }

  /** One optimizer step: the learning rate, forward and backward per micro-step, clipping, update. */
  function* step(draw: () => B, where: { batch: number; batches: number } | null): Reads<void> {
    const lr = t.lr ? t.lr(iter) : t.optimizer.paramGroups[0].lr;
    if (t.lr) for (const group of t.optimizer.paramGroups) group.lr = lr;
    const t0 = performance.now();
    const values: (number | Tensor)[] = [];
    let stepTokens = 0;
    let counted = false;
    for (let micro = 0; micro < accumulate; micro++) {
      const out = t.loss(draw());
      const value = out.value ?? out.loss.detach(); // detached: a pending read must not hold the graph
      // A CPU run stops on a non-finite loss before its backward, as it always has.
      if (!onDevice && policy === "stop" && !Number.isFinite(numberOf(value)))
        throw new Error(stopMessage(`the training loss is ${numberOf(value)}`));
      // Scaled so that the accumulated gradient is the mean over micro-steps.
      (accumulate > 1 ? out.loss.div(accumulate) : out.loss).backward();
      values.push(value);
      stepTokens += out.tokens ?? 1;
      counted ||= out.tokens !== undefined;
    }
    // The gradients' norm tells a NaN or an infinity anywhere in them; the clipper computes it anyway.
    const params = t.model.parameters();
    const clip = o.gradClip ?? 0;
    values.push(
      onDevice
        ? ((clip > 0 ? clipGradNormTensor(params, clip) : gradNormTensor(params)) ?? 0)
        : clip > 0
          ? clipGradNorm_(params, clip)
          : gradNorm(params),
    );
    const r: StepRecord = {
      iter,
      epochField: byEpoch ? { epoch: epoch + 1 } : {},
      where,
      lr,
      ms: 0,
      tokens: stepTokens,
      counted,
      values,
    };
    if (deferReads) {
      t.optimizer.step();
      t.optimizer.zeroGrad();
      r.ms = performance.now() - t0;
      pending.push(r);
      lastRecorded = iter;
      // The read started after the previous logged step is collected now that this step is recorded.
      yield* settleInFlight();
      if (iter % logInterval === 0) {
        inFlight = { steps: pending, reading: yield* startRead(valuesOf(pending)) };
        pending = [];
      }
    } else {
      const numbers = yield* readNumbers(values);
      const unhealthy = health(r, numbers);
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
      r.ms = performance.now() - t0;
      report(r, numbers, skip);
    }
    stepSeconds += r.ms / 1000;
    tokens += stepTokens;
    iter++;
  }

  t.model.train();
  t.optimizer.zeroGrad();
  if (s.kind === "iterations") {
    for (;;) {
      const last = iter >= s.maxIters || outOfTime();
      // A resumed run was evaluated at its first step before that checkpoint was saved.
      const due =
        iter % s.evalInterval === 0 && (iter > 0 || s.evalAtStart) && !(resumed && iter === startIter);
      if (last || due) yield* evaluate();
      if (last) break;
      yield* step(() => t.nextBatch!(), null);
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
        yield* step(() => batch, { batch: k, batches: batches.length });
        batchInEpoch++;
      }
      if (stopped && s.evalOnStop === false) {
        yield* drain();
        if (iter > 0 && o.checkpoints === "last+best") yield* save("checkpoint");
        break;
      }
      epoch++;
      batchInEpoch = 0;
      const finished = stopped || epoch >= s.epochs || iter >= maxIters;
      if (epoch % (s.evalInterval ?? 1) === 0 || finished) yield* evaluate();
      if (stopped) break;
    }
  }
  yield* drain();
  rec.finish(o.title, o.trainCurveName);
  if (iter > startIter && skippedThisRun === iter - startIter)
    throw new Error(
      `${t.name}: every step of this run (${skippedThisRun}) had a non-finite loss or gradient and was skipped (nan_policy "skip"); nothing was trained; ${fallback()}`,
    );
  // "continue" (or an update that overflowed) may leave a non-finite model: the run has failed.
  const bad = firstNonFinite(yield* hostTensors(t.model.stateDict()));
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

/** A number, or the value of a one-element tensor the host reads directly. */
function numberOf(v: number | Tensor): number {
  return typeof v === "number" ? v : v.item();
}

/** The optimizer's state dict with its buffers copied to the CPU (the same tensors on the CPU backends). */
function* hostOptimizerState(sd: OptimizerStateDict): Reads<OptimizerStateDict> {
  const flat: Record<string, Tensor> = {};
  for (const [i, entry] of Object.entries(sd.state))
    for (const [k, v] of Object.entries(entry)) if (v instanceof Tensor) flat[`${i}.${k}`] = v;
  const host = yield* hostTensors(flat);
  const state: OptimizerStateDict["state"] = {};
  for (const [i, entry] of Object.entries(sd.state))
    state[Number(i)] = Object.fromEntries(
      Object.entries(entry).map(([k, v]) => [k, v instanceof Tensor ? host[`${i}.${k}`] : v]),
    );
  return { ...sd, state };
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
