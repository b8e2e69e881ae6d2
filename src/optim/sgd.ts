/** Stochastic gradient descent with momentum, dampening, Nesterov momentum and L2 weight decay (torch.optim.SGD). */
import { Optimizer, type ParamGroup, type ParamState, type ParamUpdate, type Params } from "./optimizer.js";
import { Tensor } from "../tensor/tensor.js";
import type { Storage } from "../backend/types.js";
import { backendOf } from "../tensor/device.js";
import { checkBool, checkKnownKeys, checkLr, checkNonNegative } from "./validate.js";

export interface SGDOptions {
  lr: number;
  /** Momentum factor (default 0). */
  momentum: number;
  /** Dampening of the momentum (default 0). */
  dampening: number;
  /** Nesterov momentum; needs momentum > 0 and dampening 0 (default false). */
  nesterov: boolean;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize: boolean;
}

const KEYS = ["lr", "momentum", "dampening", "nesterov", "weightDecay", "maximize"];

/**
 * SGD with PyTorch's update rule, per parameter p with gradient g:
 * `g += weightDecay·p; buf = momentum·buf + (1 − dampening)·g` (buf = g at the first step);
 * `g = nesterov ? g + momentum·buf : buf` (when momentum ≠ 0); `p −= lr·g`.
 * State: `momentum_buffer` (when momentum ≠ 0).
 * @example
 * const opt = new gs.optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9, nesterov: true });
 * opt.zeroGrad(); loss.backward(); opt.step();
 */
export class SGD extends Optimizer<SGDOptions> {
  constructor(params: Params<SGDOptions>, options: Partial<SGDOptions> & { lr: number }) {
    checkKnownKeys("SGD", options, KEYS);
    super(params, {
      lr: options.lr,
      momentum: options.momentum ?? 0,
      dampening: options.dampening ?? 0,
      nesterov: options.nesterov ?? false,
      weightDecay: options.weightDecay ?? 0,
      maximize: options.maximize ?? false,
    });
  }

  protected override validateOptions(o: SGDOptions, where: string): void {
    checkLr(where, o.lr);
    checkNonNegative(where, "momentum", o.momentum);
    checkNonNegative(where, "dampening", o.dampening);
    checkNonNegative(where, "weightDecay", o.weightDecay);
    checkBool(where, "nesterov", o.nesterov);
    checkBool(where, "maximize", o.maximize);
    if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0))
      throw new RangeError(
        `${where}: Nesterov momentum requires momentum > 0 and dampening 0, got momentum ${o.momentum} and dampening ${o.dampening}`,
      );
  }

  // Host memory runs the loop below; a device the host cannot read updates with tensor ops instead.
  protected override storageOf(t: Tensor): Storage {
    return onHost(t) ? super.storageOf(t) : t.storage;
  }

  protected update(u: ParamUpdate, state: ParamState, group: ParamGroup<SGDOptions>): void {
    if (!onHost(u.param)) return updateWithOps(u.param, state, group);
    const { data: p, offset: po, grad: g, gradOffset: go, n } = u;
    const { lr, momentum, dampening, nesterov, weightDecay: wd } = group;
    const sign = group.maximize ? -1 : 1;
    if (momentum === 0) {
      for (let i = 0; i < n; i++) p[po + i] -= lr * (sign * g[go + i] + wd * p[po + i]);
      return;
    }
    const first = !("momentum_buffer" in state);
    const buf = this.buffer(state, "momentum_buffer", u.param);
    for (let i = 0; i < n; i++) {
      const d = sign * g[go + i] + wd * p[po + i];
      const b = first ? d : momentum * buf[i] + (1 - dampening) * d;
      buf[i] = b;
      p[po + i] -= lr * (nesterov ? d + momentum * b : b);
    }
  }
}

const onHost = (t: Tensor) => t.device === "cpu" || backendOf(t).hostVisible;

/** The same rule with tensor ops (called under noGrad), for parameters on a device such as webgpu. */
function updateWithOps(p: Tensor, state: ParamState, group: ParamGroup<SGDOptions>): void {
  const { lr, momentum, dampening, nesterov, weightDecay: wd } = group;
  let d = group.maximize ? p.grad!.neg() : p.grad!;
  if (wd !== 0) d = d.add(p.mul(wd));
  if (momentum !== 0) {
    const buf = state.momentum_buffer;
    const b = buf instanceof Tensor ? buf.mul_(momentum).add_(d.mul(1 - dampening)) : d.clone();
    state.momentum_buffer = b;
    d = nesterov ? d.add(b.mul(momentum)) : b;
  }
  p.sub_(d.mul(lr));
}
