/**
 * Gradient clipping over a list of tensors in TypeScript: cpu-js's `listNorm` and `clipScale`, the
 * reference of every backend's. Sums accumulate in float64.
 */
import type { ClipKernels, FloatStorage, TensorList } from "./types.js";

export function listNorm(t: TensorList, normType: number, out: FloatStorage): void {
  let acc = 0;
  for (let i = 0; i < t.x.length; i++) {
    const x = t.x[i];
    const end = t.offset[i] + t.n[i];
    if (normType === Infinity) for (let j = t.offset[i]; j < end; j++) acc = maxNaN(acc, Math.abs(x[j]));
    else if (normType === 2) for (let j = t.offset[i]; j < end; j++) acc += x[j] * x[j];
    else for (let j = t.offset[i]; j < end; j++) acc += Math.abs(x[j]) ** normType;
  }
  out[0] = normType === Infinity ? acc : normType === 2 ? Math.sqrt(acc) : acc ** (1 / normType);
}

/** Math.max, which also keeps a NaN. */
const maxNaN = (a: number, b: number) => (b > a || Number.isNaN(b) ? b : a);

export function clipScale(t: TensorList, norm: FloatStorage, maxNorm: number): void {
  const c = maxNorm / (norm[0] + 1e-6);
  if (c >= 1) return;
  for (let i = 0; i < t.x.length; i++) {
    const x = t.x[i];
    for (let j = t.offset[i], end = j + t.n[i]; j < end; j++) x[j] *= c;
  }
}

export const clipJs: ClipKernels = { listNorm, clipScale };
