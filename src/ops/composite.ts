/** Ops defined as compositions of primitives: their gradients come for free. */
import { Tensor, type Dims } from "../tensor/tensor.js";
import { isFloating } from "../tensor/dtype.js";
import { normDim, normDims } from "../tensor/shape.js";
import { where } from "./elementwise.js";
import { amax, sum } from "./reduce.js";
import { arange } from "../tensor/create.js";
import { softmaxLastDim } from "./fused.js";

function checkFloat(x: Tensor, op: string): void {
  if (!isFloating(x.dtype))
    throw new TypeError(`${op}: expects a floating-point tensor, got ${x.dtype}; cast it with .float()`);
}

/** The row max, detached, with infinite maxima replaced by 0 so that all -inf rows stay finite. */
function stableShift(x: Tensor, dims: number[]): Tensor {
  const m = amax(x.detach(), dims, true);
  return where(m.abs().eq(Infinity), 0, m);
}

/** exp(x) / sum(exp(x)) along dim, computed as exp(x - max) for stability (one fused kernel over the last dim). */
export function softmax(x: Tensor, dim: number): Tensor {
  checkFloat(x, "softmax");
  const d = normDim(dim, x.ndim, "softmax");
  return d === x.ndim - 1 ? softmaxLastDim(x, false) : softmaxComposed(x, d);
}

export function logSoftmax(x: Tensor, dim: number): Tensor {
  checkFloat(x, "logSoftmax");
  const d = normDim(dim, x.ndim, "logSoftmax");
  return d === x.ndim - 1 ? softmaxLastDim(x, true) : logSoftmaxComposed(x, d);
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

export function logsumexp(x: Tensor, dim: Dims, keepdim = false): Tensor {
  checkFloat(x, "logsumexp");
  const dims = normDims(dim, x.ndim, "logsumexp");
  const m = stableShift(x, dims);
  const out = sum(x.sub(m).exp(), dims, true).log().add(m);
  return keepdim ? out : out.squeeze(dims);
}

/** The p-norm over dims (all by default); p may be Infinity. */
export function norm(x: Tensor, p = 2, dim?: Dims, keepdim = false): Tensor {
  checkFloat(x, "norm");
  const dims = normDims(dim, x.ndim, "norm");
  if (p === Infinity) return amax(x.abs(), dims, keepdim);
  if (p === 2) return sum(x.mul(x), dims, keepdim).sqrt();
  if (p === 1) return sum(x.abs(), dims, keepdim);
  return sum(x.abs().pow(p), dims, keepdim).pow(1 / p);
}

/** True where column - row <= diagonal, for the last two dims of x. */
function lowerMask(x: Tensor, diagonal: number): Tensor {
  if (x.ndim < 2) throw new RangeError(`tril/triu: expects at least 2 dims, got ${x.ndim}`);
  const on = { device: x.device };
  const rows = arange(x.shape[x.ndim - 2], undefined, 1, on).unsqueeze(1);
  const cols = arange(x.shape[x.ndim - 1], undefined, 1, on).unsqueeze(0);
  return cols.sub(rows).le(diagonal);
}

/** The lower triangle (elements with column - row <= diagonal); the rest is 0. */
export function tril(x: Tensor, diagonal = 0): Tensor {
  return where(lowerMask(x, diagonal), x, 0);
}

/** The upper triangle (elements with column - row >= diagonal); the rest is 0. */
export function triu(x: Tensor, diagonal = 0): Tensor {
  return where(lowerMask(x, diagonal - 1), 0, x);
}
