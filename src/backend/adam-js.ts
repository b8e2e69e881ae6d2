/**
 * The Adam/AdamW update in TypeScript: cpu-js's `adamStep` and the reference for every backend's.
 * The arithmetic is PyTorch's (src/optim/adam.ts derives the scalars in `h`).
 */
import type { AdamParams, AdamTensors, FloatStorage, OptimKernels } from "./types.js";

export function adamStep(
  p: FloatStorage,
  po: number,
  g: ArrayLike<number>,
  go: number,
  m: FloatStorage,
  v: FloatStorage,
  vmax: FloatStorage | null,
  n: number,
  h: AdamParams,
): void {
  const { stepSize, bc2Sqrt, shrink, l2, beta1, beta2, eps, sign } = h;
  // Two loops: a branch on amsgrad inside the loop costs about half the speed.
  if (vmax) {
    for (let i = 0; i < n; i++) {
      const pi = p[po + i] * shrink;
      const gi = sign * g[go + i] + l2 * pi;
      const mi = beta1 * m[i] + (1 - beta1) * gi;
      const vi = beta2 * v[i] + (1 - beta2) * gi * gi;
      m[i] = mi;
      v[i] = vi;
      const vm = (vmax[i] = Math.max(vmax[i], vi));
      p[po + i] = pi - (stepSize * mi) / (Math.sqrt(vm) / bc2Sqrt + eps);
    }
    return;
  }
  for (let i = 0; i < n; i++) {
    const pi = p[po + i] * shrink;
    const gi = sign * g[go + i] + l2 * pi;
    const mi = beta1 * m[i] + (1 - beta1) * gi;
    const vi = beta2 * v[i] + (1 - beta2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[po + i] = pi - (stepSize * mi) / (Math.sqrt(vi) / bc2Sqrt + eps);
  }
}

/**
 * An `adamSteps` that runs a backend's `adamStep` on each tensor of the list in turn: cpu-js's (the
 * reference of the fused ones) and the WebGPU backend's.
 */
export function adamStepsFrom(step: OptimKernels["adamStep"]): OptimKernels["adamSteps"] {
  return (t: AdamTensors, h: AdamParams) => {
    for (let i = 0; i < t.p.length; i++)
      step(t.p[i], t.pOffset[i], t.g[i], t.gOffset[i], t.m[i], t.v[i], t.vmax?.[i] ?? null, t.n[i], h);
  };
}

export const adamSteps = adamStepsFrom(adamStep);
