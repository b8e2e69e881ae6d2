/**
 * softmax and log-softmax: the composition that defines them (exp(x - max) / Σ), the fused kernel
 * (one pass per row of the last dim, forward and backward) and the choice: the kernel for the last
 * dim, the composition for any other dim.
 */
import { Tensor } from "../../tensor/tensor.js";
import { isFloating } from "../../tensor/dtype.js";
import { normDim } from "../../tensor/shape.js";
import { backendOf } from "../../tensor/device.js";
import { defineOp } from "../define.js";
import { where } from "../elementwise.js";
import { amax, sum } from "../reduce.js";
import { flat, rowsOf } from "./rows.js";

export function checkFloat(x: Tensor, op: string): void {
  if (!isFloating(x.dtype))
    throw new TypeError(`${op}: expects a floating-point tensor, got ${x.dtype}; cast it with .float()`);
}

/** exp(x) / sum(exp(x)) along dim, computed as exp(x - max) for stability. */
export function softmax(x: Tensor, dim: number): Tensor {
  checkFloat(x, "softmax");
  const d = normDim(dim, x.ndim, "softmax");
  return d === x.ndim - 1 ? Softmax([x], false) : softmaxComposed(x, d);
}

export function logSoftmax(x: Tensor, dim: number): Tensor {
  checkFloat(x, "logSoftmax");
  const d = normDim(dim, x.ndim, "logSoftmax");
  return d === x.ndim - 1 ? Softmax([x], true) : logSoftmaxComposed(x, d);
}

/** The row max, detached, with infinite maxima replaced by 0 so that all -inf rows stay finite. */
export function stableShift(x: Tensor, dims: number[]): Tensor {
  const m = amax(x.detach(), dims, true);
  return where(m.abs().eq(Infinity), 0, m);
}

/** softmax as a composition of primitives: the definition the fused kernel is tested against. */
export function softmaxComposed(x: Tensor, dim: number): Tensor {
  const d = normDim(dim, x.ndim, "softmax");
  const e = x.sub(stableShift(x, [d])).exp();
  return e.div(sum(e, d, true));
}

export function logSoftmaxComposed(x: Tensor, dim: number): Tensor {
  const d = normDim(dim, x.ndim, "logSoftmax");
  const z = x.sub(stableShift(x, [d]));
  return z.sub(sum(z.exp(), d, true).log());
}

/** The fused kernel over the last dim; `log` selects log-softmax. */
const Softmax = defineOp<boolean>({
  name: "softmax",
  forward: ([x], log) => {
    const { data, rows, cols } = rowsOf(x);
    const out = Tensor.uninitialized(x.shape, x.dtype, x.device);
    backendOf(x).softmax(flat(data), out.storage, rows, cols, log);
    return out;
  },
  vjp: (g, _inputs, y, log) => {
    // softmax: y·(g - Σ g·y); log-softmax: g - softmax·Σ g.
    if (log) return [g.sub(y.exp().mul(g.sum(-1, true)))];
    return [y.mul(g.sub(g.mul(y).sum(-1, true)))];
  },
});
