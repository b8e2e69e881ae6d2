// The keep pattern of attention dropout, read two ways: from the dropout kernel on a (B, nh, T, T)
// matrix and from a causal attention kernel's output on inputs that expose it.
import { cpuJs } from "../../src/backend/cpu-js.js";
import type { DropoutMask } from "../../src/backend/types.js";

/** The dropout kernel's keep pattern on a (B, nh, T, T) matrix of ones under `mask`. */
export function keptByDropoutKernel(B: number, nh: number, T: number, mask: DropoutMask): boolean[] {
  const ones = new Float32Array(B * nh * T * T).fill(1);
  const out = new Float32Array(ones.length);
  cpuJs.dropout(ones, out, mask.key0, mask.key1, mask.threshold, mask.scale);
  // Causal attention has no probabilities above the diagonal (j > i): none kept there.
  return Array.from(out, (v, e) => v !== 0 && e % T <= Math.floor(e / T) % T);
}

/**
 * The keep pattern the attention kernel applies, read from its output: with q = k = 0 every allowed
 * probability is 1/(i+1), and with hs = T value row j is the unit vector e_j, so output (b, i, h, j)
 * is P[b, h, i, j]·z_ij, zero exactly where the mask drops. Entries j > i (masked) read false.
 */
export async function keptByAttention(
  B: number,
  nh: number,
  T: number,
  run: (qkv: Float32Array) => ArrayLike<number> | Promise<ArrayLike<number>>,
): Promise<boolean[]> {
  const C = nh * T;
  const qkv = new Float32Array(B * T * 3 * C);
  for (let b = 0; b < B; b++)
    for (let j = 0; j < T; j++) for (let h = 0; h < nh; h++) qkv[(b * T + j) * 3 * C + 2 * C + h * T + j] = 1;
  const out = await run(qkv);
  const kept: boolean[] = [];
  for (let b = 0; b < B; b++)
    for (let h = 0; h < nh; h++)
      for (let i = 0; i < T; i++)
        for (let j = 0; j < T; j++) kept.push(out[(b * T + i) * C + h * T + j] !== 0);
  return kept;
}
