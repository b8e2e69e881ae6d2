/**
 * Learning-rate schedules, as torch.optim.lr_scheduler (PyTorch 1.13 semantics): the constructor sets
 * the epoch-0 learning rate, and `step()` is called after `optimizer.step()`. Also nanoGPT's linear
 * warmup + cosine decay, as a pure function and as a scheduler.
 */
import { Optimizer, type ParamGroup } from "./optimizer.js";
import { checkFinite, checkInteger, checkKnownKeys, checkNonNegative } from "./validate.js";

/** A scheduler's position, with PyTorch's names. The schedule's options come from its constructor. */
export interface LRSchedulerStateDict {
  last_epoch: number;
  base_lrs: number[];
  _step_count: number;
  _last_lr: number[];
}

/**
 * Base class of the schedulers. A subclass computes the lrs in `getLr()` (reading `lastEpoch`,
 * `baseLrs` or the groups' current lr) and calls `this.initialStep()` at the end of its constructor.
 * @example
 * const sched = new gs.optim.lrScheduler.StepLR(opt, { stepSize: 30, gamma: 0.1 });
 * for (let epoch = 0; epoch < 100; epoch++) { train(); opt.step(); sched.step(); }
 */
export abstract class LRScheduler {
  readonly optimizer: Optimizer;
  /** The groups' initial lrs (`initialLr`). */
  baseLrs: number[] = [];
  /** The number of step() calls so far, counting the constructor's as epoch 0. */
  lastEpoch: number;
  protected stepCount = 0;
  private lastLr: number[] = [];

  constructor(optimizer: Optimizer, lastEpoch = -1) {
    const name = this.constructor.name;
    if (!(optimizer instanceof Optimizer))
      throw new TypeError(
        `${name}: expected an Optimizer (gs.optim.SGD, Adam, ...), got ${String(optimizer)}`,
      );
    checkInteger(name, "lastEpoch", lastEpoch, -1);
    this.optimizer = optimizer;
    this.lastEpoch = lastEpoch;
  }

  /** The learning rate of every group at `lastEpoch`. */
  protected abstract getLr(): number[];

  protected get groups(): ParamGroup[] {
    return this.optimizer.paramGroups;
  }

  /** Records the initial lrs and sets the lr of epoch `lastEpoch + 1` (PyTorch's constructor does this). */
  protected initialStep(): void {
    this.groups.forEach((g, i) => {
      if (this.lastEpoch === -1) g.initialLr ??= g.lr;
      else if (g.initialLr === undefined)
        throw new Error(
          `${this.constructor.name}: parameter group ${i} has no initialLr, needed to resume at lastEpoch ${this.lastEpoch}; load the optimizer's state dict first`,
        );
    });
    this.baseLrs = this.groups.map((g) => g.initialLr!);
    this.step();
  }

  /** Advances one epoch (or iteration) and writes the new lr into every group. */
  step(): void {
    this.stepCount++;
    this.lastEpoch++;
    let lrs: number[];
    try {
      lrs = this.getLr();
    } catch (e) {
      // A refused step (past OneCycleLR's end) leaves the scheduler where it was.
      this.stepCount--;
      this.lastEpoch--;
      throw e;
    }
    this.groups.forEach((g, i) => (g.lr = lrs[i]));
    this.lastLr = this.groups.map((g) => g.lr);
  }

  /** The lrs set by the last step() (or the constructor). */
  getLastLr(): number[] {
    return this.lastLr.slice();
  }

  stateDict(): LRSchedulerStateDict {
    return {
      last_epoch: this.lastEpoch,
      base_lrs: this.baseLrs.slice(),
      _step_count: this.stepCount,
      _last_lr: this.lastLr.slice(),
    };
  }

  /** Restores the position saved by stateDict(); the number of lrs must match the optimizer's groups. */
  loadStateDict(sd: LRSchedulerStateDict): void {
    const where = `${this.constructor.name}.loadStateDict`;
    if (sd === null || typeof sd !== "object")
      throw new TypeError(`${where}: expected the object returned by stateDict()`);
    checkInteger(where, "last_epoch", sd.last_epoch, -1);
    checkInteger(where, "_step_count", sd._step_count, 0);
    const n = this.groups.length;
    for (const key of ["base_lrs", "_last_lr"] as const) {
      const v = sd[key];
      if (!Array.isArray(v) || v.length !== n || v.some((x) => typeof x !== "number"))
        throw new RangeError(`${where}: ${key} must be an array of ${n} numbers (one per parameter group)`);
    }
    this.lastEpoch = sd.last_epoch;
    this.stepCount = sd._step_count;
    this.baseLrs = sd.base_lrs.slice();
    this.lastLr = sd._last_lr.slice();
  }
}

/** One value per parameter group from a number or an array (PyTorch's _format_param). */
function perGroup(where: string, name: string, v: number | readonly number[], n: number): number[] {
  if (Array.isArray(v)) {
    if (v.length !== n)
      throw new RangeError(`${where}: expected ${n} values for ${name} (one per group), got ${v.length}`);
    v.forEach((x, i) => checkFinite(where, `${name}[${i}]`, x));
    return v.slice();
  }
  checkFinite(where, name, v);
  return new Array<number>(n).fill(v as number);
}

/**
 * Multiplies the lr by `gamma` every `stepSize` epochs: lr = initialLr · gamma^⌊epoch / stepSize⌋.
 * @example
 * const sched = new gs.optim.lrScheduler.StepLR(opt, { stepSize: 30, gamma: 0.1 });
 */
export class StepLR extends LRScheduler {
  private readonly stepSize: number;
  private readonly gamma: number;

  constructor(optimizer: Optimizer, options: { stepSize: number; gamma?: number; lastEpoch?: number }) {
    checkKnownKeys("StepLR", options, ["stepSize", "gamma", "lastEpoch"]);
    super(optimizer, options.lastEpoch);
    checkInteger("StepLR", "stepSize", options.stepSize, 1);
    this.stepSize = options.stepSize;
    this.gamma = options.gamma ?? 0.1;
    checkFinite("StepLR", "gamma", this.gamma);
    this.initialStep();
  }

  protected getLr(): number[] {
    // PyTorch's recursive form: multiply the current lr at each boundary.
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma);
  }
}

/**
 * lr = initialLr · lrLambda(epoch), with one function for all groups or one per group.
 * @example
 * const sched = new gs.optim.lrScheduler.LambdaLR(opt, (epoch) => 0.95 ** epoch);
 */
export class LambdaLR extends LRScheduler {
  private readonly lambdas: ((epoch: number) => number)[];

  constructor(
    optimizer: Optimizer,
    lrLambda: ((epoch: number) => number) | ((epoch: number) => number)[],
    options: { lastEpoch?: number } = {},
  ) {
    checkKnownKeys("LambdaLR", options, ["lastEpoch"]);
    super(optimizer, options.lastEpoch);
    const n = this.groups.length;
    const fns = Array.isArray(lrLambda) ? lrLambda : new Array(n).fill(lrLambda);
    if (fns.length !== n)
      throw new RangeError(`LambdaLR: expected ${n} lr lambdas (one per group), got ${fns.length}`);
    fns.forEach((f, i) => {
      if (typeof f !== "function")
        throw new TypeError(`LambdaLR: lrLambda ${i} must be a function, got ${typeof f}`);
    });
    this.lambdas = fns;
    this.initialStep();
  }

  protected getLr(): number[] {
    return this.baseLrs.map((base, i) => base * this.lambdas[i](this.lastEpoch));
  }
}

/**
 * Cosine annealing from the initial lr down to etaMin over tMax epochs (SGDR without restarts):
 * lr = etaMin + (initialLr − etaMin)·(1 + cos(π·epoch/tMax))/2, computed with PyTorch's recursive form.
 * @example
 * const sched = new gs.optim.lrScheduler.CosineAnnealingLR(opt, { tMax: 100, etaMin: 1e-5 });
 */
export class CosineAnnealingLR extends LRScheduler {
  private readonly tMax: number;
  private readonly etaMin: number;

  constructor(optimizer: Optimizer, options: { tMax: number; etaMin?: number; lastEpoch?: number }) {
    checkKnownKeys("CosineAnnealingLR", options, ["tMax", "etaMin", "lastEpoch"]);
    super(optimizer, options.lastEpoch);
    checkInteger("CosineAnnealingLR", "tMax", options.tMax, 1);
    this.tMax = options.tMax;
    this.etaMin = options.etaMin ?? 0;
    checkFinite("CosineAnnealingLR", "etaMin", this.etaMin);
    this.initialStep();
  }

  protected getLr(): number[] {
    const { lastEpoch: e, tMax: T, etaMin } = this;
    if (e === 0) return this.groups.map((g) => g.lr);
    if (this.stepCount === 1 && e > 0)
      return this.baseLrs.map((base) => etaMin + ((base - etaMin) * (1 + Math.cos((e * Math.PI) / T))) / 2);
    // (e − 1 − T) divisible by 2T: JS's % differs from Python's only in sign, which === 0 ignores.
    if ((e - 1 - T) % (2 * T) === 0)
      return this.groups.map((g, i) => g.lr + ((this.baseLrs[i] - etaMin) * (1 - Math.cos(Math.PI / T))) / 2);
    return this.groups.map(
      (g) =>
        ((1 + Math.cos((Math.PI * e) / T)) / (1 + Math.cos((Math.PI * (e - 1)) / T))) * (g.lr - etaMin) +
        etaMin,
    );
  }
}

export interface OneCycleLROptions {
  /** The peak lr, for all groups or one per group. */
  maxLr: number | number[];
  /** The number of steps in the cycle; or give epochs and stepsPerEpoch. */
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  /** The fraction of the cycle spent increasing the lr (default 0.3). */
  pctStart?: number;
  annealStrategy?: "cos" | "linear";
  /** Cycle momentum (SGD's momentum or Adam's beta1) inversely to the lr (default true, as PyTorch). */
  cycleMomentum?: boolean;
  baseMomentum?: number | number[];
  maxMomentum?: number | number[];
  /** initialLr = maxLr / divFactor (default 25). */
  divFactor?: number;
  /** minLr = initialLr / finalDivFactor (default 1e4). */
  finalDivFactor?: number;
  /** A third phase that anneals back to initialLr before the final decay (default false). */
  threePhase?: boolean;
  lastEpoch?: number;
}

const ONE_CYCLE_KEYS = [
  "maxLr",
  "totalSteps",
  "epochs",
  "stepsPerEpoch",
  "pctStart",
  "annealStrategy",
  "cycleMomentum",
  "baseMomentum",
  "maxMomentum",
  "divFactor",
  "finalDivFactor",
  "threePhase",
  "lastEpoch",
];

interface Phase {
  endStep: number;
  startLr: string;
  endLr: string;
  startMomentum: string;
  endMomentum: string;
}

/**
 * The 1cycle policy (Smith & Topin): the lr rises from maxLr/divFactor to maxLr over pctStart of the
 * steps, then anneals to initialLr/finalDivFactor; momentum (or Adam's beta1) cycles the other way
 * between maxMomentum and baseMomentum. Call step() after every batch; at most totalSteps times.
 * @example
 * const sched = new gs.optim.lrScheduler.OneCycleLR(opt, { maxLr: 0.1, totalSteps: 1000 });
 */
export class OneCycleLR extends LRScheduler {
  readonly totalSteps: number;
  private readonly phases: Phase[];
  private readonly anneal: (start: number, end: number, pct: number) => number;
  private readonly cycleMomentum: boolean;
  private readonly useBeta1: boolean;

  constructor(optimizer: Optimizer, options: OneCycleLROptions) {
    const W = "OneCycleLR";
    checkKnownKeys(W, options, ONE_CYCLE_KEYS);
    super(optimizer, options.lastEpoch);
    const o = options;
    if (o.totalSteps !== undefined) {
      checkInteger(W, "totalSteps", o.totalSteps, 1);
      this.totalSteps = o.totalSteps;
    } else if (o.epochs !== undefined && o.stepsPerEpoch !== undefined) {
      checkInteger(W, "epochs", o.epochs, 1);
      checkInteger(W, "stepsPerEpoch", o.stepsPerEpoch, 1);
      this.totalSteps = o.epochs * o.stepsPerEpoch;
    } else throw new TypeError(`${W}: give totalSteps, or epochs and stepsPerEpoch`);
    const pct = o.pctStart ?? 0.3;
    if (typeof pct !== "number" || !(pct >= 0 && pct <= 1))
      throw new RangeError(`${W}: pctStart must be a number between 0 and 1, got ${pct}`);
    const strategy = o.annealStrategy ?? "cos";
    if (strategy !== "cos" && strategy !== "linear")
      throw new RangeError(`${W}: annealStrategy must be "cos" or "linear", got ${JSON.stringify(strategy)}`);
    this.anneal =
      strategy === "cos"
        ? (start, end, p) => end + ((start - end) / 2) * (Math.cos(Math.PI * p) + 1)
        : (start, end, p) => (end - start) * p + start;
    const phase = (endStep: number, lr: [string, string], mom: [string, string]): Phase => ({
      endStep,
      startLr: lr[0],
      endLr: lr[1],
      startMomentum: mom[0],
      endMomentum: mom[1],
    });
    const T = this.totalSteps;
    this.phases = o.threePhase
      ? [
          phase(pct * T - 1, ["initialLr", "maxLr"], ["maxMomentum", "baseMomentum"]),
          phase(2 * pct * T - 2, ["maxLr", "initialLr"], ["baseMomentum", "maxMomentum"]),
          phase(T - 1, ["initialLr", "minLr"], ["maxMomentum", "maxMomentum"]),
        ]
      : [
          phase(pct * T - 1, ["initialLr", "maxLr"], ["maxMomentum", "baseMomentum"]),
          phase(T - 1, ["maxLr", "minLr"], ["baseMomentum", "maxMomentum"]),
        ];
    const n = this.groups.length;
    const divFactor = o.divFactor ?? 25;
    const finalDivFactor = o.finalDivFactor ?? 1e4;
    checkFinite(W, "divFactor", divFactor);
    checkFinite(W, "finalDivFactor", finalDivFactor);
    const maxLrs = perGroup(W, "maxLr", o.maxLr, n);
    if (this.lastEpoch === -1)
      this.groups.forEach((g, i) => {
        g.initialLr = maxLrs[i] / divFactor;
        g.maxLr = maxLrs[i];
        g.minLr = g.initialLr / finalDivFactor;
      });
    this.cycleMomentum = o.cycleMomentum ?? true;
    const defaults = optimizer.defaults as object;
    this.useBeta1 = "betas" in defaults;
    if (this.cycleMomentum) {
      if (!("momentum" in defaults) && !this.useBeta1)
        throw new TypeError(
          `${W}: ${optimizer.constructor.name} has no momentum or betas; pass cycleMomentum: false`,
        );
      const maxM = perGroup(W, "maxMomentum", o.maxMomentum ?? 0.95, n);
      const baseM = perGroup(W, "baseMomentum", o.baseMomentum ?? 0.85, n);
      if (this.lastEpoch === -1)
        this.groups.forEach((g, i) => {
          this.setMomentum(g, maxM[i]);
          g.maxMomentum = maxM[i];
          g.baseMomentum = baseM[i];
        });
    }
    this.initialStep();
  }

  private setMomentum(g: ParamGroup, m: number): void {
    if (this.useBeta1) g.betas = [m, ...(g.betas as number[]).slice(1)];
    else g.momentum = m;
  }

  protected getLr(): number[] {
    const stepNum = this.lastEpoch;
    if (stepNum > this.totalSteps)
      throw new RangeError(
        `OneCycleLR: step() called ${stepNum} times, past the end of the schedule (totalSteps ${this.totalSteps})`,
      );
    return this.groups.map((g) => {
      let start = 0;
      for (let i = 0; i < this.phases.length; i++) {
        const ph = this.phases[i];
        if (stepNum <= ph.endStep || i === this.phases.length - 1) {
          const pct = (stepNum - start) / (ph.endStep - start);
          if (this.cycleMomentum)
            this.setMomentum(g, this.anneal(g[ph.startMomentum] as number, g[ph.endMomentum] as number, pct));
          return this.anneal(g[ph.startLr] as number, g[ph.endLr] as number, pct);
        }
        start = ph.endStep;
      }
      throw new Error("OneCycleLR: unreachable");
    });
  }
}

export interface CosineWithWarmupOptions {
  /** The peak learning rate. */
  lr: number;
  /** Iterations of linear warmup. */
  warmupIters: number;
  /** The iteration at which the cosine decay reaches minLr (> warmupIters). */
  lrDecayIters: number;
  /** The learning rate after the decay. */
  minLr: number;
}

function checkWarmup(where: string, o: Omit<CosineWithWarmupOptions, "lr">): void {
  checkInteger(where, "warmupIters", o.warmupIters, 0);
  checkInteger(where, "lrDecayIters", o.lrDecayIters, o.warmupIters + 1);
  checkNonNegative(where, "minLr", o.minLr);
}

/**
 * nanoGPT's get_lr(it): linear warmup `lr·(it + 1)/(warmupIters + 1)` for it < warmupIters, cosine
 * decay from lr to minLr until lrDecayIters, then minLr.
 * @example
 * gs.optim.lrScheduler.cosineWithWarmupLr(100, { lr: 6e-4, warmupIters: 2000, lrDecayIters: 600000, minLr: 6e-5 });
 */
export function cosineWithWarmupLr(it: number, options: CosineWithWarmupOptions): number {
  const { lr, warmupIters, lrDecayIters, minLr } = options;
  checkWarmup("cosineWithWarmupLr", options);
  checkNonNegative("cosineWithWarmupLr", "lr", lr);
  checkNonNegative("cosineWithWarmupLr", "iteration", it);
  if (it < warmupIters) return (lr * (it + 1)) / (warmupIters + 1);
  if (it > lrDecayIters) return minLr;
  const decayRatio = (it - warmupIters) / (lrDecayIters - warmupIters);
  const coeff = 0.5 * (1 + Math.cos(Math.PI * decayRatio));
  return minLr + coeff * (lr - minLr);
}

/**
 * nanoGPT's schedule as a scheduler: each group's lr is cosineWithWarmupLr(iteration) with its
 * initial lr as the peak. minLr is one value for all groups or one per group.
 * @example
 * const sched = new gs.optim.lrScheduler.CosineWithWarmupLR(opt, { warmupIters: 100, lrDecayIters: 5000, minLr: 6e-5 });
 */
export class CosineWithWarmupLR extends LRScheduler {
  private readonly warmupIters: number;
  private readonly lrDecayIters: number;
  private readonly minLrs: number[];

  constructor(
    optimizer: Optimizer,
    options: { warmupIters: number; lrDecayIters: number; minLr: number | number[]; lastEpoch?: number },
  ) {
    const W = "CosineWithWarmupLR";
    checkKnownKeys(W, options, ["warmupIters", "lrDecayIters", "minLr", "lastEpoch"]);
    super(optimizer, options.lastEpoch);
    this.minLrs = perGroup(W, "minLr", options.minLr, this.groups.length);
    this.minLrs.forEach((m) => checkWarmup(W, { ...options, minLr: m }));
    this.warmupIters = options.warmupIters;
    this.lrDecayIters = options.lrDecayIters;
    this.initialStep();
  }

  protected getLr(): number[] {
    const { warmupIters, lrDecayIters } = this;
    return this.baseLrs.map((lr, i) =>
      cosineWithWarmupLr(this.lastEpoch, { lr, warmupIters, lrDecayIters, minLr: this.minLrs[i] }),
    );
  }
}
