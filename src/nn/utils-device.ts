/**
 * Gradient norms and clipping computed where the gradients live, as 0-d tensors: on a device the host
 * cannot read, nothing is read back (the caller reads the norm later, with `await`). The host path of
 * clipGradNorm_ sums in float64; this one sums in the gradients' float32.
 */
import type { Tensor } from "../tensor/tensor.js";
import { noGrad } from "../autograd/grad-mode.js";
import { stack } from "../ops/indexing.js";
import { where } from "../ops/elementwise.js";

/** The norm of order `normType` (a positive number or Infinity) of all of `grads` seen as one vector. */
export function gradNormOnDevice(grads: Tensor[], normType = 2): Tensor {
  return noGrad(() => {
    if (normType === Infinity) return stack(grads.map((g) => g.abs().amax())).amax();
    if (normType === 2)
      return stack(grads.map((g) => g.square().sum()))
        .sum()
        .sqrt();
    return stack(grads.map((g) => g.abs().pow(normType).sum()))
      .sum()
      .pow(1 / normType);
  });
}

/**
 * Multiplies every gradient by maxNorm / (norm + 1e-6) when that factor is below 1, and by NaN when the
 * norm is NaN (as PyTorch). Returns the norm before clipping.
 */
export function clipGradsOnDevice(grads: Tensor[], maxNorm: number, normType = 2): Tensor {
  const norm = gradNormOnDevice(grads, normType);
  noGrad(() => {
    const coef = norm.add(1e-6).reciprocal().mul(maxNorm);
    // `where` keeps a NaN factor (NaN >= 1 is false), which min(coef, 1) on a GPU need not.
    const scale = where(coef.ge(1), 1, coef);
    for (const g of grads) g.mul_(scale);
  });
  return norm;
}
