/**
 * GEMM for the TypeScript backend. A plain triple loop reaches under 1 GFLOP/s in V8; this one packs
 * op(A) into 4-row panels and op(B) into 4-column panels (transposes and leading dimensions are
 * absorbed by the packing), then runs a 4×4 register-blocked kernel whose 16 accumulators stay in
 * registers while it streams both panels sequentially.
 */
import type { MatmulParams, Storage } from "./types.js";

const MR = 4;
const NR = 4;
const KC = 256; // k-block: a 4×256 float64 panel is 8 KB, so both panels stay in L1

let packA = new Float64Array(0);
let packB = new Float64Array(0);

/** Packs rows [i0, i0+mr) × cols [p0, p0+kc) of op(A) as kc groups of MR values (zero-padded rows). */
function packPanelsA(
  a: Storage,
  off: number,
  lda: number,
  trans: boolean,
  m: number,
  p0: number,
  kc: number,
) {
  const panels = Math.ceil(m / MR);
  if (packA.length < panels * MR * kc) packA = new Float64Array(panels * MR * kc);
  const buf = packA;
  for (let pi = 0; pi < panels; pi++) {
    const base = pi * MR * kc;
    for (let r = 0; r < MR; r++) {
      const i = pi * MR + r;
      if (i >= m) {
        for (let p = 0; p < kc; p++) buf[base + p * MR + r] = 0;
      } else if (trans) {
        for (let p = 0; p < kc; p++) buf[base + p * MR + r] = a[off + (p0 + p) * lda + i];
      } else {
        const row = off + i * lda + p0;
        for (let p = 0; p < kc; p++) buf[base + p * MR + r] = a[row + p];
      }
    }
  }
}

/** Packs rows [p0, p0+kc) of op(B) as column panels of NR values (zero-padded columns). */
function packPanelsB(
  b: Storage,
  off: number,
  ldb: number,
  trans: boolean,
  n: number,
  p0: number,
  kc: number,
) {
  const panels = Math.ceil(n / NR);
  if (packB.length < panels * NR * kc) packB = new Float64Array(panels * NR * kc);
  const buf = packB;
  for (let pj = 0; pj < panels; pj++) {
    const base = pj * NR * kc;
    for (let c = 0; c < NR; c++) {
      const j = pj * NR + c;
      if (j >= n) {
        for (let p = 0; p < kc; p++) buf[base + p * NR + c] = 0;
      } else if (trans) {
        const row = off + j * ldb + p0;
        for (let p = 0; p < kc; p++) buf[base + p * NR + c] = b[row + p];
      } else {
        for (let p = 0; p < kc; p++) buf[base + p * NR + c] = b[off + (p0 + p) * ldb + j];
      }
    }
  }
}

/** out[i0.., j0..] (+)= panelA · panelB for one MR×NR tile. */
function kernel4x4(
  A: Float64Array,
  aBase: number,
  B: Float64Array,
  bBase: number,
  kc: number,
  out: Storage,
  outBase: number,
  n: number,
  rows: number,
  cols: number,
  accumulate: boolean,
) {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0; // prettier-ignore
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0; // prettier-ignore
  let ia = aBase;
  let ib = bBase;
  for (let p = 0; p < kc; p++, ia += 4, ib += 4) {
    const a0 = A[ia], a1 = A[ia + 1], a2 = A[ia + 2], a3 = A[ia + 3]; // prettier-ignore
    const b0 = B[ib], b1 = B[ib + 1], b2 = B[ib + 2], b3 = B[ib + 3]; // prettier-ignore
    c00 += a0 * b0;
    c01 += a0 * b1;
    c02 += a0 * b2;
    c03 += a0 * b3; // prettier-ignore
    c10 += a1 * b0;
    c11 += a1 * b1;
    c12 += a1 * b2;
    c13 += a1 * b3; // prettier-ignore
    c20 += a2 * b0;
    c21 += a2 * b1;
    c22 += a2 * b2;
    c23 += a2 * b3; // prettier-ignore
    c30 += a3 * b0;
    c31 += a3 * b1;
    c32 += a3 * b2;
    c33 += a3 * b3; // prettier-ignore
  }
  const tile = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33];
  for (let r = 0; r < rows; r++) {
    const o = outBase + r * n;
    for (let c = 0; c < cols; c++) {
      if (accumulate) out[o + c] += tile[r * 4 + c];
      else out[o + c] = tile[r * 4 + c];
    }
  }
}

export function matmulJs(a: Storage, b: Storage, out: Storage, p: MatmulParams): void {
  const { m, n, k } = p;
  if (k === 0) {
    out.fill(0, 0, p.batch * m * n);
    return;
  }
  for (let bi = 0; bi < p.batch; bi++) {
    const aOff = p.aOffset + bi * p.aBatchStride;
    const bOff = p.bOffset + bi * p.bBatchStride;
    const outOff = bi * m * n;
    for (let p0 = 0; p0 < k; p0 += KC) {
      const kc = Math.min(KC, k - p0);
      packPanelsA(a, aOff, p.lda, p.transA, m, p0, kc);
      packPanelsB(b, bOff, p.ldb, p.transB, n, p0, kc);
      for (let j = 0; j < n; j += NR) {
        const bBase = (j / NR) * NR * kc;
        for (let i = 0; i < m; i += MR) {
          const aBase = (i / MR) * MR * kc;
          kernel4x4(
            packA,
            aBase,
            packB,
            bBase,
            kc,
            out,
            outOff + i * n + j,
            n,
            Math.min(MR, m - i),
            Math.min(NR, n - j),
            p0 > 0,
          );
        }
      }
    }
  }
}
