/** The function forms of tensor methods, as in PyTorch: `gs.add(a, b)`, `gs.sum(x, 1)`, `gs.cat([a, b], 0)`. */
import type { Dims, Tensor, TensorLike } from "./tensor/tensor.js";
import type { Shape } from "./tensor/shape.js";
import type { ValuesIndices } from "./ops/reduce.js";

export {
  add,
  sub,
  mul,
  div,
  pow,
  maximum,
  minimum,
  neg,
  exp,
  log,
  sqrt,
  rsqrt,
  tanh,
  sigmoid,
  relu,
  abs,
  sin,
  cos,
  erf,
  log1p,
  expm1,
  reciprocal,
  sign,
  floor,
  ceil,
  round,
  eq,
  ne,
  lt,
  le,
  gt,
  ge,
  logicalNot,
  logicalAnd,
  logicalOr,
  where,
  maskedFill,
  clamp,
} from "./ops/elementwise.js";
export { sum, mean, prod, amax, amin, argmax, argmin, variance as var, std } from "./ops/reduce.js";
export { matmul, mm } from "./ops/matmul.js";
export {
  reshape,
  view,
  transpose,
  permute,
  unsqueeze,
  squeeze,
  flatten,
  unflatten,
  expand,
  contiguous,
  clone,
  narrow,
  select,
  flip,
} from "./ops/movement.js";
export { gather, indexSelect, scatterAdd, indexAdd, cat, stack, split, chunk } from "./ops/indexing.js";
export { softmax, logSoftmax, logsumexp, norm, tril, triu } from "./ops/composite.js";

/** max over all elements, or `{ values, indices }` over one dim (PyTorch's named tuple; see Tensor.max). */
export function max(x: Tensor): Tensor;
export function max(x: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
export function max(x: Tensor, dim?: number, keepdim = false): Tensor | ValuesIndices {
  return dim === undefined ? x.max() : x.max(dim, keepdim);
}

export function min(x: Tensor): Tensor;
export function min(x: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
export function min(x: Tensor, dim?: number, keepdim = false): Tensor | ValuesIndices {
  return dim === undefined ? x.min() : x.min(dim, keepdim);
}

export const square = (x: Tensor) => x.square();
export const detach = (x: Tensor) => x.detach();
export const numel = (x: Tensor) => x.numel();
export const isTensor = (x: unknown): x is Tensor =>
  typeof x === "object" && x !== null && "storage" in x && "strides" in x;
export type { Dims, TensorLike, Shape, ValuesIndices };
