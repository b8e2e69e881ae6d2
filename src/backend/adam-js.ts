/**
 * The Adam/AdamW update in TypeScript: cpu-js's `adamStep` and the reference for every backend's.
 * The arithmetic is PyTorch's (src/optim/adam.ts derives the scalars in `h`).
 */
import type { AdamParams, FloatStorage } from "./types.js";

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
