/**
 * Gradient norms and clipping computed where the gradients live, as 0-d tensors: on a device the host
 * cannot read, nothing is read back (the caller reads the norm later, with `await`). The host path of
 * clipGradNorm_ sums in float64; this one sums in the kernel's precision (the gradients' float32 on a
 * GPU). Dense gradients of one dtype go through the backend's list kernels (`listNorm`, `clipScale`: a
 * few kernel calls for all of them, as PyTorch's foreach clipping); others through the composition
 * below, which is also the kernels' reference.
 */
import { Tensor } from "../tensor/tensor.js";
import { backendOf } from "../tensor/device.js";
import type { FloatStorage, TensorList } from "../backend/types.js";
import { noGrad } from "../autograd/grad-mode.js";
import { cat } from "../ops/indexing.js";
import { where } from "../ops/elementwise.js";
import { tensor } from "../tensor/create.js";

/**
 * `grads` as a list kernel's tensors, or null where the kernels cannot take them: dtypes that are not
 * one float type, two devices (the composition names them), a strided gradient, or two that overlap.
 */
export function tensorListOf(grads: readonly Tensor[]): TensorList | null {
  const { dtype, device } = grads[0];
  if (dtype !== "float32" && dtype !== "float64") return null;
  const ranges = new Map<unknown, [number, number][]>();
  for (const g of grads) {
    if (g.dtype !== dtype || g.device !== device || !g.isContiguous()) return null;
    const [begin, end] = [g.offset, g.offset + g.numel()];
    const seen = ranges.get(g.storage);
    if (seen === undefined) ranges.set(g.storage, [[begin, end]]);
    else if (seen.some(([b, e]) => begin < e && b < end)) return null;
    else seen.push([begin, end]);
  }
  return {
    x: grads.map((g) => g.storage as FloatStorage),
    offset: grads.map((g) => g.offset),
    n: grads.map((g) => g.numel()),
  };
}

/** The norm of order `normType` (a positive number or Infinity) of all of `grads` seen as one vector. */
export function gradNormOnDevice(grads: Tensor[], normType = 2): Tensor {
  const list = tensorListOf(grads);
  return list === null ? gradNormComposed(grads, normType) : listNormOf(grads[0], list, normType);
}

function listNormOf(like: Tensor, list: TensorList, normType: number): Tensor {
  const norm = Tensor.uninitialized([], like.dtype, like.device);
  backendOf(like).listNorm(list, normType, norm.storage as FloatStorage);
  return norm;
}

/**
 * gradNormOnDevice composed of ops: the gradients copied into one vector, then its norm (a copy a
 * gradient and a few kernel calls).
 */
export function gradNormComposed(grads: Tensor[], normType = 2): Tensor {
  return noGrad(() => {
    const all = cat(grads.map((g) => g.reshape([-1])));
    if (normType === Infinity) return all.abs().amax();
    if (normType === 2) return all.square().sum().sqrt();
    return all
      .abs()
      .pow(normType)
      .sum()
      .pow(1 / normType);
  });
}

/**
 * A 0-d constant like `like` (its dtype and device), made once: a number operand would be uploaded
 * afresh at every step (a staging buffer, and a copy that breaks the compute pass). Nothing writes it.
 */
const constants = new Map<string, Tensor>();
function constant(value: number, like: Tensor): Tensor {
  const key = `${like.device}:${like.dtype}:${value}`;
  let c = constants.get(key);
  if (c === undefined) {
    if (constants.size >= 64) constants.clear(); // maxNorm may change from call to call
    constants.set(key, (c = tensor(value, { dtype: like.dtype, device: like.device })));
  }
  return c;
}

/**
 * Multiplies every gradient by maxNorm / (norm + 1e-6) when that factor is below 1, and by NaN when the
 * norm is NaN (as PyTorch). Returns the norm before clipping.
 */
export function clipGradsOnDevice(grads: Tensor[], maxNorm: number, normType = 2): Tensor {
  const list = tensorListOf(grads);
  if (list === null) return clipGradsComposed(grads, maxNorm, normType);
  const norm = listNormOf(grads[0], list, normType);
  backendOf(norm).clipScale(list, norm.storage as FloatStorage, maxNorm);
  return norm;
}

/** clipGradsOnDevice composed of ops: the norm, the factor, and a product in place a gradient. */
export function clipGradsComposed(grads: Tensor[], maxNorm: number, normType = 2): Tensor {
  const norm = gradNormComposed(grads, normType);
  noGrad(() => {
    const coef = norm.add(constant(1e-6, norm)).reciprocal().mul(constant(maxNorm, norm));
    // `where` keeps a NaN factor (NaN >= 1 is false), which min(coef, 1) on a GPU need not.
    const one = constant(1, norm);
    const scale = where(coef.ge(one), one, coef);
    for (const g of grads) g.mul_(scale); // in place: the kernel writes g's elements
  });
  return norm;
}
