/**
 * The Optimizer base class, as PyTorch's torch.optim.Optimizer: parameter groups with per-group options,
 * per-parameter state, zeroGrad, step, and state dicts shaped like PyTorch's. A subclass writes one
 * method, `update`, which updates one parameter from its gradient on flat float storages (a tight loop
 * per parameter is far faster than a chain of tensor ops).
 */
import { Tensor } from "../tensor/tensor.js";
import { hostData } from "../tensor/device.js";
import type { Storage } from "../backend/types.js";
import { enableGrad, noGrad } from "../autograd/grad-mode.js";
import { fmtShape } from "../tensor/shape.js";
import { checkLr } from "./validate.js";

/** A per-parameter state value: a buffer shaped like the parameter, or a number (the step count). */
export type ParamState = Record<string, Tensor | number>;

export type FloatStorage = Float32Array | Float64Array;

/** Options every optimizer has. */
export interface BaseOptions {
  lr: number;
}

/**
 * One parameter group: its parameters and the options that apply to them. LR schedulers write `lr`
 * and add their own fields (`initialLr`, and for OneCycleLR `maxLr`, `minLr`, ...).
 */
export type ParamGroup<O extends BaseOptions = BaseOptions> = O & {
  params: Tensor[];
  initialLr?: number;
  [key: string]: unknown;
};

/** A group as given to a constructor: its parameters and the options that override the defaults. */
export type ParamGroupSpec<O> = Partial<O> & { params: Iterable<Tensor> | Tensor; [key: string]: unknown };

/** What an optimizer constructor takes: parameters, or PyTorch-style groups. */
export type Params<O> = Iterable<Tensor> | Iterable<ParamGroupSpec<O>>;

/**
 * A state dict as PyTorch's: `state` keyed by parameter index (counted across groups, in order), and
 * `param_groups` with PyTorch's option names (`weight_decay`, `initial_lr`) and parameter indices.
 */
export interface OptimizerStateDict {
  state: Record<number, Record<string, Tensor | number>>;
  param_groups: Array<{ params: number[]; [option: string]: unknown }>;
}

/** One parameter to update: its data and its gradient as contiguous float storages. */
export interface ParamUpdate {
  /** The parameter (for shape and dtype when creating state). */
  param: Tensor;
  data: FloatStorage;
  offset: number;
  grad: ArrayLike<number>;
  gradOffset: number;
  n: number;
}

const camelToSnake = (k: string): string => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const snakeToCamel = (k: string): string => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** A fresh contiguous copy of `t` in `dtype` (state tensors are always contiguous with offset 0). */
function ownCopy(t: Tensor, dtype: Tensor["dtype"], device = t.device): Tensor {
  return noGrad(() => Tensor.empty(t.shape, dtype, device).copy_(t));
}

/**
 * Base class of the optimizers.
 * @example
 * const opt = new gs.optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
 * opt.zeroGrad();
 * loss.backward();
 * opt.step();
 */
export abstract class Optimizer<O extends BaseOptions = BaseOptions> {
  /** The options of groups that do not set their own. */
  readonly defaults: Readonly<O>;
  /** The parameter groups; schedulers (and users) may change `lr` and other options between steps. */
  paramGroups: ParamGroup<O>[] = [];
  /** Per-parameter state (PyTorch's optimizer.state), created at a parameter's first update. */
  state = new Map<Tensor, ParamState>();

  constructor(params: Params<O>, defaults: O) {
    const name = this.constructor.name;
    this.validateOptions(defaults, name);
    this.defaults = Object.freeze({ ...defaults });
    if (params instanceof Tensor)
      throw new TypeError(
        `${name}: params must be an iterable of Tensors or of parameter groups, got a single Tensor`,
      );
    if (params === null || typeof (params as Iterable<unknown>)?.[Symbol.iterator] !== "function")
      throw new TypeError(
        `${name}: params must be an iterable of Tensors or of parameter groups, got ${String(params)}`,
      );
    const list = [...(params as Iterable<unknown>)];
    if (list.length === 0) throw new RangeError(`${name}: got an empty parameter list`);
    if (list.every((p) => p instanceof Tensor))
      this.addParamGroup({ params: list as Tensor[] } as unknown as ParamGroupSpec<O>);
    else if (
      list.every((g) => g !== null && typeof g === "object" && !(g instanceof Tensor) && "params" in g)
    )
      for (const g of list) this.addParamGroup(g as ParamGroupSpec<O>);
    else
      throw new TypeError(
        `${name}: params must be all Tensors or all parameter groups ({ params, ...options }), got a mix or other values`,
      );
  }

  /** Throws if a group's options are invalid (negative lr, betas out of range...). `where` names the caller. */
  protected validateOptions(options: O, where: string): void {
    checkLr(where, options.lr);
  }

  /** State keys a parameter's state must have (checked by loadStateDict). */
  protected requiredState(_group: ParamGroup<O>): string[] {
    return [];
  }

  /** Updates one parameter in place from its gradient; `state` is its (possibly empty) state. */
  protected abstract update(u: ParamUpdate, state: ParamState, group: ParamGroup<O>): void;

  /**
   * Updates a group's parameters (those with a gradient), `states[i]` belonging to `updates[i]`: one
   * `update` each, unless an optimizer updates them together (Adam: one kernel call for the group).
   */
  protected updateGroup(updates: ParamUpdate[], states: ParamState[], group: ParamGroup<O>): void {
    for (let i = 0; i < updates.length; i++) this.update(updates[i], states[i], group);
  }

  /** Adds a group; options it leaves out take the defaults. */
  addParamGroup(spec: ParamGroupSpec<O>): void {
    const name = `${this.constructor.name}.addParamGroup`;
    const gi = this.paramGroups.length;
    const params = spec.params instanceof Tensor ? [spec.params] : [...spec.params];
    const seen = new Set(this.paramGroups.flatMap((g) => g.params));
    params.forEach((p, j) => {
      if (!(p instanceof Tensor))
        throw new TypeError(`${name}: group ${gi} holds ${typeof p} at position ${j}; expected Tensors`);
      if (p.dtype !== "float32" && p.dtype !== "float64")
        throw new TypeError(
          `${name}: group ${gi} parameter ${j} has dtype ${p.dtype}; only float tensors can be optimized`,
        );
      if (!p.isLeaf)
        throw new Error(`${name}: group ${gi} parameter ${j} is not a leaf tensor; cannot optimize it`);
      if (seen.has(p))
        throw new Error(
          `${name}: group ${gi} parameter ${j} appears more than once in the optimizer's parameter groups`,
        );
      seen.add(p);
    });
    const group: Record<string, unknown> = { ...this.defaults };
    for (const [k, v] of Object.entries(spec)) if (v !== undefined && k !== "params") group[k] = v;
    for (const [k, v] of Object.entries(group)) if (Array.isArray(v)) group[k] = [...v];
    group.params = params;
    this.validateOptions(group as O, `${this.constructor.name}: parameter group ${gi}`);
    this.paramGroups.push(group as ParamGroup<O>);
  }

  /** Clears the gradients: to null (PyTorch 2's default), or to zeros with `setToNone = false`. */
  zeroGrad(setToNone = true): void {
    for (const g of this.paramGroups)
      for (const p of g.params) {
        const grad = p.grad;
        if (setToNone) p.grad = null;
        else if (grad !== null) noGrad(() => grad.zero_());
      }
  }

  /**
   * One update of every parameter that has a gradient (parameters whose grad is null are skipped).
   * `closure`, if given, re-evaluates the model and returns the loss, which step returns.
   */
  step<L = undefined>(closure?: () => L): L | undefined {
    const loss = closure ? enableGrad(closure) : undefined;
    noGrad(() => {
      for (const group of this.paramGroups) {
        const updates: ParamUpdate[] = [];
        const states: ParamState[] = [];
        const copies: [Tensor, Tensor][] = [];
        for (const p of group.params) {
          const grad = p.grad;
          if (grad === null) continue;
          let state = this.state.get(p);
          if (state === undefined) this.state.set(p, (state = {}));
          // Non-contiguous parameters or gradients (rare) go through a contiguous copy.
          const work = p.contiguous();
          const g = grad.contiguous();
          updates.push({
            param: p,
            data: this.storageOf(work) as FloatStorage,
            offset: work.offset,
            grad: this.storageOf(g),
            gradOffset: g.offset,
            n: p.numel(),
          });
          states.push(state);
          if (work !== p) copies.push([p, work]);
        }
        this.updateGroup(updates, states, group);
        for (const [p, work] of copies) p.copy_(work);
      }
    });
    return loss;
  }

  /** The state buffer `key` of a parameter, created as zeros on first use. */
  protected buffer(state: ParamState, key: string, param: Tensor): FloatStorage {
    let t = state[key];
    if (!(t instanceof Tensor)) state[key] = t = Tensor.empty(param.shape, param.dtype, param.device);
    return this.storageOf(t) as FloatStorage;
  }

  /**
   * The storage an update works on: host memory for the loops in TypeScript; an optimizer whose update
   * is a kernel of the parameter's backend (Adam's adamStep) overrides this to take device buffers too.
   */
  protected storageOf(t: Tensor): Storage {
    return hostData(t, "optimizer.step");
  }

  /**
   * The optimizer's state as plain data: `{ state: { [paramIndex]: { step, exp_avg, ... } },
   * param_groups: [{ lr, weight_decay, ..., params: [indices] }] }`, with PyTorch's names. Tensors are copies.
   */
  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    const paramGroups = this.paramGroups.map((g) => {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(g))
        if (k !== "params") out[camelToSnake(k)] = Array.isArray(v) ? [...v] : v;
      out.params = g.params.map((p) => {
        if (!index.has(p)) index.set(p, index.size);
        return index.get(p)!;
      });
      return out as OptimizerStateDict["param_groups"][number];
    });
    const state: OptimizerStateDict["state"] = {};
    for (const [p, s] of this.state) {
      const i = index.get(p);
      if (i === undefined) continue;
      const entry: Record<string, Tensor | number> = {};
      for (const [k, v] of Object.entries(s)) entry[k] = v instanceof Tensor ? ownCopy(v, v.dtype) : v;
      state[i] = entry;
    }
    return { state, param_groups: paramGroups };
  }

  /**
   * Restores a state dict from `stateDict()` (or PyTorch's layout): the groups' options and the
   * per-parameter state. Checks the number of groups and parameters and every buffer's shape; on error
   * nothing is changed. Buffers are copied and cast to their parameter's dtype.
   */
  loadStateDict(sd: OptimizerStateDict): void {
    const where = `${this.constructor.name}.loadStateDict`;
    if (
      sd === null ||
      typeof sd !== "object" ||
      !Array.isArray(sd.param_groups) ||
      typeof sd.state !== "object"
    )
      throw new TypeError(`${where}: expected { state, param_groups } as returned by stateDict()`);
    if (sd.param_groups.length !== this.paramGroups.length)
      throw new RangeError(
        `${where}: the state dict has ${sd.param_groups.length} parameter groups, this optimizer has ${this.paramGroups.length}`,
      );
    const byIndex = new Map<number, { p: Tensor; group: ParamGroup<O> }>();
    const groups = sd.param_groups.map((saved, gi) => {
      const current = this.paramGroups[gi];
      if (!Array.isArray(saved?.params))
        throw new TypeError(`${where}: param_groups[${gi}].params must be an array of parameter indices`);
      if (saved.params.length !== current.params.length)
        throw new RangeError(
          `${where}: parameter group ${gi} has ${saved.params.length} parameters in the state dict, ${current.params.length} in this optimizer`,
        );
      const group: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(saved))
        if (k !== "params") group[snakeToCamel(k)] = Array.isArray(v) ? [...v] : v;
      group.params = current.params;
      this.validateOptions(group as O, `${where}: parameter group ${gi}`);
      saved.params.forEach((idx, j) =>
        byIndex.set(idx, { p: current.params[j], group: group as ParamGroup<O> }),
      );
      return group as ParamGroup<O>;
    });
    const state = new Map<Tensor, ParamState>();
    for (const [key, entry] of Object.entries(sd.state)) {
      const target = byIndex.get(Number(key));
      if (target === undefined)
        throw new RangeError(
          `${where}: state for parameter ${key}, which no parameter group of the state dict lists`,
        );
      const { p, group } = target;
      if (entry === null || typeof entry !== "object")
        throw new TypeError(`${where}: state[${key}] must be an object of buffers and numbers`);
      const s: ParamState = {};
      for (const [k, v] of Object.entries(entry)) {
        if (typeof v === "number") s[k] = v;
        else if (v instanceof Tensor && k === "step" && v.numel() === 1) s[k] = v.item();
        else if (v instanceof Tensor) {
          if (v.shape.length !== p.ndim || v.shape.some((d, i) => d !== p.shape[i]))
            throw new RangeError(
              `${where}: state[${key}].${k} has shape ${fmtShape(v.shape)}, but parameter ${key} has shape ${fmtShape(p.shape)}`,
            );
          s[k] = ownCopy(v, p.dtype, p.device);
        } else
          throw new TypeError(`${where}: state[${key}].${k} must be a Tensor or a number, got ${typeof v}`);
      }
      for (const k of this.requiredState(group))
        if (!(k in s)) throw new Error(`${where}: state[${key}] lacks "${k}"`);
      state.set(p, s);
    }
    this.paramGroups = groups;
    this.state = state;
  }
}
