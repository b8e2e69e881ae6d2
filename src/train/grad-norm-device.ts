/**
 * The training loop's gradient norm and clipping on a device, from parameters: the work is
 * nn/utils-device.ts's (shared with nn.utils.clipGradNorm_). CPU runs keep nn.utils.clipGradNorm_ and
 * health.gradNorm, which sum in float64.
 */
import type { Tensor } from "../tensor/tensor.js";
import { clipGradsOnDevice, gradNormOnDevice } from "../nn/utils-device.js";

const gradsOf = (params: Iterable<Tensor>): Tensor[] => [...params].flatMap((p) => (p.grad ? [p.grad] : []));

/** √Σ g² over the gradients of `params` (those without a grad count as zero), null without any. */
export function gradNormTensor(params: Iterable<Tensor>): Tensor | null {
  const grads = gradsOf(params);
  return grads.length === 0 ? null : gradNormOnDevice(grads);
}

/** clipGradNorm_ on the device (see clipGradsOnDevice); the norm before clipping, null without grads. */
export function clipGradNormTensor(params: Iterable<Tensor>, maxNorm: number): Tensor | null {
  const grads = gradsOf(params);
  return grads.length === 0 ? null : clipGradsOnDevice(grads, maxNorm);
}
