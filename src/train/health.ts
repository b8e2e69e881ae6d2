/**
 * Training health: what the loop does when a loss or the gradients stop being finite, and the checks
 * that keep a non-finite model out of every checkpoint and out of `sample`/`evaluate`.
 */
import type { Tensor } from "../tensor/tensor.js";
import { hostData } from "../tensor/device.js";

/**
 * What a non-finite training loss or gradient does to the run:
 * - "stop" (default): an error naming the step and the last good checkpoint;
 * - "skip": the step's update is dropped (the batch is consumed), and the skipped steps are counted;
 * - "continue": the update is applied anyway (the run fails at the end if the model is then non-finite).
 * A non-finite model is never written, whatever the policy.
 */
export type NanPolicy = "stop" | "skip" | "continue";

export const NAN_POLICIES: readonly NanPolicy[] = ["stop", "skip", "continue"];

/**
 * "skip" ends the run with an error after this many skipped steps in a row: a run that skips every
 * step is not training, and must not finish as if it had.
 */
export const MAX_SKIPPED_IN_A_ROW = 100;

/** The option every training command declares, with its help. */
export const NAN_POLICY_HELP =
  'on a non-finite loss or gradient: "stop" the run, "skip" the step (counted in metrics) or "continue"; ' +
  `"skip" fails the run after ${MAX_SKIPPED_IN_A_ROW} skipped steps in a row, or when it skips every step`;

/** Checks a policy given as text (a config value). */
export function nanPolicy(value: string, where: string): NanPolicy {
  if ((NAN_POLICIES as readonly string[]).includes(value)) return value as NanPolicy;
  throw new Error(`${where}: nan_policy must be "stop", "skip" or "continue", got "${value}"`);
}

/**
 * The global 2-norm of the gradients of `params` (those without a grad count as zero). One pass over
 * the gradients: the cheap health check after backward when the clipper has not computed it already.
 */
export function gradNorm(params: Iterable<Tensor>): number {
  let acc = 0;
  for (const p of params) {
    const g = p.grad;
    if (!g) continue;
    const c = g.contiguous();
    const s = hostData(c, "gradNorm");
    for (let i = c.offset, end = c.offset + c.numel(); i < end; i++) acc += s[i] * s[i];
  }
  return Math.sqrt(acc);
}

/** The first tensor of a state dict holding a NaN or an infinity, with the first such value; null if all are finite. */
export function firstNonFinite(
  tensors: Record<string, Tensor> | Iterable<[string, Tensor]>,
): { name: string; value: number } | null {
  const entries = Symbol.iterator in tensors ? tensors : Object.entries(tensors);
  for (const [name, t] of entries) {
    if (t.dtype !== "float32" && t.dtype !== "float64") continue;
    const c = t.contiguous();
    const s = hostData(c, "firstNonFinite");
    for (let i = c.offset, end = c.offset + c.numel(); i < end; i++)
      if (!Number.isFinite(s[i])) return { name, value: s[i] as number };
  }
  return null;
}

/** Throws an error naming the tensor when a checkpoint's weights are not all finite. */
export function assertFiniteWeights(model: Record<string, Tensor>, file: string, where: string): void {
  const bad = firstNonFinite(model);
  if (bad)
    throw new Error(
      `${where}: ${file} holds non-finite weights (${bad.value} in tensor "${bad.name}"); ` +
        "the run that wrote it diverged: train again with a lower learning rate, or use an earlier checkpoint",
    );
}
