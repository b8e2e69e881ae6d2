/**
 * Gradient norms and clipping computed where the gradients live, as 0-d tensors: on a device the host
 * cannot read, nothing is read back (the caller reads the norm later, with `await`). The host path of
 * clipGradNorm_ sums in float64; this one sums in the gradients' float32.
 */
import type { Tensor } from "../tensor/tensor.js";
import { noGrad } from "../autograd/grad-mode.js";
import { cat } from "../ops/indexing.js";
import { where } from "../ops/elementwise.js";
import { tensor } from "../tensor/create.js";

/**
 * The norm of order `normType` (a positive number or Infinity) of all of `grads` seen as one vector:
 * the gradients are copied into one vector first, so that the norm is a few kernel calls instead of
 * three per gradient (every call costs the host as much as a small kernel costs the GPU).
 */
export function gradNormOnDevice(grads: Tensor[], normType = 2): Tensor {
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
  const norm = gradNormOnDevice(grads, normType);
  noGrad(() => {
    const coef = norm.add(constant(1e-6, norm)).reciprocal().mul(constant(maxNorm, norm));
    // `where` keeps a NaN factor (NaN >= 1 is false), which min(coef, 1) on a GPU need not.
    const one = constant(1, norm);
    const scale = where(coef.ge(one), one, coef);
    for (const g of grads) g.mul_(scale); // in place: the kernel writes g's elements
  });
  return norm;
}
