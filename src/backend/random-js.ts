/** The counter-based random kernels for cpu-js (types.ts RandomKernels): the reference of every backend's. */
import type { RandomKernels, Storage } from "./types.js";
import { philox4x32 } from "./philox.js";

const BLOCK = new Uint32Array(4);

function dropout(
  x: Storage,
  out: Storage,
  key0: number,
  key1: number,
  threshold: number,
  scale: number,
): void {
  // The product is rounded to the storage's precision, as multiplying by a stored mask was.
  const s = out instanceof Float32Array ? Math.fround(scale) : scale;
  const n = x.length;
  for (let i = 0; i < n; i += 4) {
    const block = i / 4;
    philox4x32(block >>> 0, Math.floor(block / 2 ** 32), 0, 0, key0, key1, BLOCK);
    const end = Math.min(4, n - i);
    for (let j = 0; j < end; j++) out[i + j] = x[i + j] * (BLOCK[j] >= threshold ? s : 0);
  }
}

export const randomJs: RandomKernels = { dropout };
