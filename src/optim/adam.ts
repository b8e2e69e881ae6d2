/** Adam (L2 weight decay added to the gradient) and AdamW (decoupled weight decay), as torch.optim.Adam/AdamW. */
import { backendOf } from "../tensor/device.js";
import { Tensor } from "../tensor/tensor.js";
import { ADAM_LIST_MAX } from "../backend/types.js";
import type { AdamParams, AdamTensors, Backend, FloatStorage, Storage } from "../backend/types.js";
import { noGrad } from "../autograd/grad-mode.js";
import {
  Optimizer,
  type OptimizerStateDict,
  type ParamGroup,
  type ParamState,
  type ParamUpdate,
  type Params,
} from "./optimizer.js";
import { checkBetas, checkBool, checkKnownKeys, checkLr, checkNonNegative } from "./validate.js";

export interface AdamOptions {
  lr: number;
  /** Decay rates of the running averages of the gradient and of its square. */
  betas: [number, number];
  /** Added to the denominator for numerical stability. */
  eps: number;
  /** Adam: L2 penalty added to the gradient. AdamW: decoupled decay, p *= 1 − lr·weightDecay. */
  weightDecay: number;
  /** Use the maximum of the past second moments (AMSGrad). */
  amsgrad: boolean;
  /** Maximize the objective instead of minimizing it. */
  maximize: boolean;
}

const KEYS = ["lr", "betas", "eps", "weightDecay", "amsgrad", "maximize"];

function adamDefaults(where: string, o: Partial<AdamOptions> | undefined, weightDecay: number): AdamOptions {
  checkKnownKeys(where, o, KEYS);
  return {
    lr: o.lr ?? 1e-3,
    betas: o.betas ?? [0.9, 0.999],
    eps: o.eps ?? 1e-8,
    weightDecay: o.weightDecay ?? weightDecay,
    amsgrad: o.amsgrad ?? false,
    maximize: o.maximize ?? false,
  };
}

/** Shared by Adam and AdamW: option checks, state layout and the update. */
abstract class AdamFamily extends Optimizer<AdamOptions> {
  /** True for AdamW: weight decay shrinks the parameter instead of being added to the gradient. */
  protected abstract readonly decoupled: boolean;

  protected override validateOptions(o: AdamOptions, where: string): void {
    checkLr(where, o.lr);
    checkNonNegative(where, "epsilon value eps", o.eps);
    checkBetas(where, o.betas);
    checkNonNegative(where, "weightDecay", o.weightDecay);
    checkBool(where, "amsgrad", o.amsgrad);
    checkBool(where, "maximize", o.maximize);
  }

  protected override requiredState(): string[] {
    return ["step", "exp_avg", "exp_avg_sq"];
  }

  // The update is the backend's adamStep kernel, so it runs on every device (a GPU's buffers included).
  protected override storageOf(t: Tensor): Storage {
    return t.storage;
  }

  protected update(u: ParamUpdate, state: ParamState, group: ParamGroup<AdamOptions>): void {
    this.updateGroup([u], [state], group);
  }

  // One adamSteps call per backend, dtype and step count (usually one for the whole group), as
  // PyTorch's foreach Adam: a small model's step paid a kernel call per parameter.
  protected override updateGroup(
    updates: ParamUpdate[],
    states: ParamState[],
    group: ParamGroup<AdamOptions>,
  ): void {
    const buckets: { backend: Backend; dtype: string; step: number; t: AdamTensors }[] = [];
    this.stateInOneBlock(updates, states, group);
    for (let i = 0; i < updates.length; i++) {
      const u = updates[i];
      const state = states[i];
      const step = (typeof state.step === "number" ? state.step : 0) + 1;
      state.step = step;
      const backend = backendOf(u.param);
      let b = buckets.find(
        (x) =>
          x.backend === backend &&
          x.dtype === u.param.dtype &&
          x.step === step &&
          x.t.p.length < ADAM_LIST_MAX,
      );
      if (b === undefined) {
        const t: AdamTensors = {
          p: [],
          g: [],
          m: [],
          v: [],
          vmax: group.amsgrad ? [] : null,
          pOffset: [],
          gOffset: [],
          n: [],
        };
        buckets.push((b = { backend, dtype: u.param.dtype, step, t }));
      }
      const { t } = b;
      t.p.push(u.data);
      t.pOffset.push(u.offset);
      t.g.push(u.grad);
      t.gOffset.push(u.gradOffset);
      t.m.push(this.stateRange(state, "exp_avg", u.param));
      t.v.push(this.stateRange(state, "exp_avg_sq", u.param));
      t.vmax?.push(this.stateRange(state, "max_exp_avg_sq", u.param));
      t.n.push(u.n);
    }
    for (const { backend, step, t } of buckets) backend.adamSteps(t, this.scalars(group, step));
  }

  /**
   * On a device the host cannot read (a GPU), the state of a group's parameters is made as views of one
   * block per device and dtype (every exp_avg, then every exp_avg_sq, then every max_exp_avg_sq): a
   * multi-tensor kernel binds a GPU buffer once however many of its tensors it holds, and a stage binds
   * few (8 by default), so AdamW then updates 3 parameters a dispatch there instead of 2. Each state
   * tensor is still its parameter's shape; stateDict copies it. New state is zeros (a parameter's first
   * step); loaded state (loadStateDict) is copied in.
   */
  private stateInOneBlock(
    updates: ParamUpdate[],
    states: ParamState[],
    group: ParamGroup<AdamOptions>,
  ): void {
    const fresh = updates.flatMap((u, i) =>
      states[i].exp_avg === undefined ? [[u.param, states[i]] as const] : [],
    );
    if (fresh.length === 0) return;
    // `step` first, as the CPU's state has it (stateDict, and so a checkpoint, keeps the keys' order).
    for (const [, state] of fresh) state.step ??= 0;
    this.packState(fresh, group);
  }

  override loadStateDict(sd: OptimizerStateDict): void {
    super.loadStateDict(sd);
    for (const group of this.paramGroups)
      this.packState(
        group.params.flatMap((p) => {
          const s = this.state.get(p);
          return s === undefined ? [] : [[p, s] as const];
        }),
        group,
      );
  }

  private packState(
    entries: readonly (readonly [Tensor, ParamState])[],
    group: ParamGroup<AdamOptions>,
  ): void {
    const keys = group.amsgrad ? ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"] : ["exp_avg", "exp_avg_sq"];
    const blocks = new Map<string, (readonly [Tensor, ParamState])[]>();
    for (const e of entries) {
      if (backendOf(e[0]).hostVisible) continue;
      const key = `${e[0].device}:${e[0].dtype}`;
      const list = blocks.get(key);
      if (list === undefined) blocks.set(key, [e]);
      else list.push(e);
    }
    noGrad(() => {
      for (const list of blocks.values()) {
        const { dtype, device } = list[0][0];
        const total = list.reduce((s, [p]) => s + p.numel(), 0);
        const block = Tensor.empty([keys.length * total], dtype, device);
        let offset = 0;
        for (const [param, state] of list) {
          const n = param.numel();
          keys.forEach((k, j) => {
            const view = block.narrow(0, j * total + offset, n).view(param.shape);
            const old = state[k];
            if (old instanceof Tensor) view.copy_(old);
            state[k] = view;
          });
          offset += n;
        }
      }
    });
  }

  /**
   * The storage of a state tensor for the kernel (made as zeros on first use): the range of its block
   * when it is a view (passed for this call only, as the storage contract allows).
   */
  private stateRange(state: ParamState, key: string, param: Tensor): FloatStorage {
    const storage = this.buffer(state, key, param);
    const t = state[key] as Tensor;
    return t.offset === 0 ? storage : (storage.subarray(t.offset, t.offset + t.numel()) as FloatStorage);
  }

  /** The scalars of step `step` (counted from 1) of the update. */
  private scalars(group: ParamGroup<AdamOptions>, step: number): AdamParams {
    const { lr, eps, weightDecay: wd } = group;
    const [beta1, beta2] = group.betas;
    return {
      stepSize: lr / (1 - beta1 ** step),
      bc2Sqrt: Math.sqrt(1 - beta2 ** step),
      shrink: this.decoupled ? 1 - lr * wd : 1,
      l2: this.decoupled ? 0 : wd,
      beta1,
      beta2,
      eps,
      sign: group.maximize ? -1 : 1,
    };
  }
}

/**
 * Adam with PyTorch's update rule: `g += weightDecay·p; m = β1·m + (1 − β1)·g; v = β2·v + (1 − β2)·g²;
 * p −= lr/(1 − β1^t) · m / (√v / √(1 − β2^t) + eps)` (with v replaced by its running maximum under amsgrad).
 * State: `step`, `exp_avg`, `exp_avg_sq` (and `max_exp_avg_sq`).
 * @example
 * const opt = new gs.optim.Adam(model.parameters(), { lr: 3e-4 });
 */
export class Adam extends AdamFamily {
  protected readonly decoupled = false;

  constructor(params: Params<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super(params, adamDefaults("Adam", options, 0));
  }
}

/**
 * AdamW: Adam with decoupled weight decay (Loshchilov & Hutter), PyTorch's rule: first
 * `p *= 1 − lr·weightDecay`, then the Adam update without L2 term. weightDecay defaults to 1e-2.
 * @example
 * const opt = new gs.optim.AdamW(model.parameters(), { lr: 6e-4, betas: [0.9, 0.95], weightDecay: 0.1 });
 */
export class AdamW extends AdamFamily {
  protected readonly decoupled = true;

  constructor(params: Params<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super(params, adamDefaults("AdamW", options, 1e-2));
  }
}
