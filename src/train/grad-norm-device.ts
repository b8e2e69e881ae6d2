/**
 * The gradients' global 2-norm and clipping computed where the gradients live, as 0-d tensors: on a
 * device nothing is read back for them (the loop reads the norm with the loss, later). CPU runs keep
 * nn.utils.clipGradNorm_ and health.gradNorm, which sum in float64; these sum in float32.
 */
import type { Tensor } from "../tensor/tensor.js";
import { noGrad } from "../autograd/grad-mode.js";
import { stack } from "../ops/indexing.js";
import { where } from "../ops/elementwise.js";

/** √Σ g² over the gradients of `params` (those without a grad count as zero), null without any. */
export function gradNormTensor(params: Iterable<Tensor>): Tensor | null {
  const grads = [...params].flatMap((p) => (p.grad ? [p.grad] : []));
  if (grads.length === 0) return null;
  return noGrad(() =>
    stack(grads.map((g) => g.square().sum()))
      .sum()
      .sqrt(),
  );
}

/**
 * clipGradNorm_ on the device: every gradient is multiplied by maxNorm / (norm + 1e-6) when that factor
 * is below 1, and by NaN when the norm is NaN (as PyTorch and clipGradNorm_). Returns the norm before
 * clipping.
 */
export function clipGradNormTensor(params: Iterable<Tensor>, maxNorm: number): Tensor | null {
  const list = [...params];
  const norm = gradNormTensor(list);
  if (norm === null) return null;
  noGrad(() => {
    const coef = norm.add(1e-6).reciprocal().mul(maxNorm);
    // `where` keeps a NaN factor (NaN >= 1 is false), which min(coef, 1) on a GPU need not.
    const scale = where(coef.ge(1), 1, coef);
    for (const p of list) if (p.grad) p.grad.mul_(scale);
  });
  return norm;
}
