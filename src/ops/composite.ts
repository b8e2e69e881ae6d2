/** Ops defined as compositions of primitives: their gradients come for free. */
import { Tensor, type Dims } from "../tensor/tensor.js";
import { normDims } from "../tensor/shape.js";
import { scalar, where } from "./elementwise.js";
import { amax, sum } from "./reduce.js";
import { arange } from "../tensor/create.js";
import { checkFloat, stableShift } from "./fused/softmax.js";

// softmax and logSoftmax live with their fused kernel.
export { softmax, logSoftmax, softmaxComposed, logSoftmaxComposed } from "./fused/softmax.js";

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
  if (typeof p !== "number" || Number.isNaN(p))
    throw new TypeError(`norm: p must be a number, got ${String(p)}`);
  if (p === Infinity) return amax(x.abs(), dims, keepdim);
  if (p === 1) return sum(x.abs(), dims, keepdim);
  const s = p === 2 ? sum(x.mul(x), dims, keepdim) : sum(x.abs().pow(p), dims, keepdim);
  // The root's derivative is infinite at 0, where PyTorch's gradient is 0: take the root of 1 there
  // and select 0, so that no infinity meets the zero gradient of the inner sum.
  const zero = s.eq(0);
  const safe = where(zero, 1, s);
  const root = p === 2 ? safe.sqrt() : safe.pow(1 / p);
  return where(zero, 0, root);
}

/** True where column - row <= diagonal, for the last two dims of x. */
function lowerMask(x: Tensor, diagonal: number): Tensor {
  if (x.ndim < 2) throw new RangeError(`tril/triu: expects at least 2 dims, got ${x.ndim}`);
  const on = { device: x.device };
  const rows = arange(x.shape[x.ndim - 2], undefined, 1, on).unsqueeze(1);
  const cols = arange(x.shape[x.ndim - 1], undefined, 1, on).unsqueeze(0);
  return cols.sub(rows).le(diagonal);
}

// The zero is x's own dtype, so that a bool or integer input keeps its dtype (as in PyTorch).
/** The lower triangle (elements with column - row <= diagonal); the rest is 0. */
export function tril(x: Tensor, diagonal = 0): Tensor {
  return where(lowerMask(x, diagonal), x, scalar(0, x.dtype, x.device));
}

/** The upper triangle (elements with column - row >= diagonal); the rest is 0. */
export function triu(x: Tensor, diagonal = 0): Tensor {
  return where(lowerMask(x, diagonal - 1), scalar(0, x.dtype, x.device), x);
}
