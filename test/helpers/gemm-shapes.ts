/**
 * The float32 GEMM cases of test/native-gemm-shapes.test.ts, shared by the test process and its child
 * processes (one per instruction set and thread count): the GPT step's own products and the edges of
 * the blocked path's work split (cuts along rows and along columns, cache blocks crossed, a bias, NaN
 * and ±Infinity). Each case runs on a backend and is checked against cpu-js.
 */
import { cpuJs } from "../../src/backend/cpu-js.js";
import type { Backend, MatmulParams } from "../../src/backend/types.js";

export interface GemmCase {
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  /** Extra elements in each stored row of A and B, and where each operand starts. */
  pad?: number;
  offset?: number;
  bias?: boolean;
  /** NaN in A, +Infinity and -Infinity in B at a few places. */
  nonFinite?: boolean;
}

// The 15 distinct products of a GPT training step (nanoGPT CPU recipe: 768 tokens, E128, MLP 512,
// vocab 65): forward x·Wᵀ, input gradients dy·W, weight gradients xᵀ·dy.
const GPT: [number, number, number, boolean, boolean][] = [
  [768, 384, 128, false, true],
  [768, 128, 128, false, true],
  [768, 512, 128, false, true],
  [768, 128, 512, false, true],
  [768, 65, 128, false, true],
  [768, 128, 65, false, false],
  [65, 128, 768, true, false],
  [768, 512, 128, false, false],
  [128, 512, 768, true, false],
  [768, 128, 512, false, false],
  [512, 128, 768, true, false],
  [768, 128, 128, false, false],
  [128, 128, 768, true, false],
  [768, 128, 384, false, false],
  [384, 128, 768, true, false],
];

export function gemmCases(): GemmCase[] {
  const cases: GemmCase[] = GPT.map(([m, n, k, transA, transB]) => ({ m, n, k, transA, transB }));
  for (const transA of [false, true])
    for (const transB of [false, true])
      cases.push(
        // odd sizes, padded rows and offsets; k over one cache block (256) with a short last one
        { m: 301, n: 70, k: 300, transA, transB, pad: 3, offset: 5 },
        // few rows, each thread a micro-panel or two; k over several cache blocks
        { m: 13, n: 40, k: 2000, transA, transB, pad: 1, offset: 2 },
        { m: 50, n: 33, k: 700, transA, transB },
        // columns past one cache block (4096)
        { m: 30, n: 4500, k: 40, transA, transB, offset: 1 },
        // wide and short: cut along n
        { m: 40, n: 600, k: 300, transA, transB, pad: 2 },
        { m: 200, n: 90, k: 150, transA, transB, bias: true },
        { m: 150, n: 100, k: 300, transA, transB, nonFinite: true },
      );
  return cases;
}

function random(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    a[i] = (2 * s) / 2147483648 - 1;
  }
  return a;
}

/** Runs `c` on `be`: the output and the parameters. */
function run(be: Backend, c: GemmCase, a: Float32Array, b: Float32Array, bias: Float32Array): Float32Array {
  const pad = c.pad ?? 0,
    offset = c.offset ?? 0;
  const p: MatmulParams = {
    batch: 1,
    m: c.m,
    n: c.n,
    k: c.k,
    transA: c.transA,
    transB: c.transB,
    lda: (c.transA ? c.m : c.k) + pad,
    ldb: (c.transB ? c.k : c.n) + pad,
    aOffset: offset,
    bOffset: offset,
    aBatchStride: 0,
    bBatchStride: 0,
  };
  const out = new Float32Array(c.m * c.n + 2).fill(7); // stale values are overwritten, the tail kept
  if (c.bias) be.matmulBias(a, b, bias, out, p);
  else be.matmul(a, b, out, p);
  return out;
}

/** The operands of `c`: A and B as stored (with padding and offset) and a bias of n values. */
function operands(c: GemmCase, seed: number): [Float32Array, Float32Array, Float32Array] {
  const pad = c.pad ?? 0,
    offset = c.offset ?? 0;
  const a = random(offset + (c.transA ? c.k * (c.m + pad) : c.m * (c.k + pad)) + pad, seed);
  const b = random(offset + (c.transB ? c.n * (c.k + pad) : c.k * (c.n + pad)) + pad, seed + 1);
  if (c.nonFinite) {
    a[offset + 17] = NaN;
    b[offset + 5] = Infinity;
    b[b.length - pad - 9] = -Infinity;
  }
  return [a, b, random(c.n, seed + 2)];
}

/** FNV-1a over the float32 bit patterns: equal outputs, equal hashes. */
function hashBits(x: Float32Array, h: number): number {
  const u = new Uint32Array(x.buffer, x.byteOffset, x.length);
  for (let i = 0; i < u.length; i++) h = Math.imul(h ^ u[i], 16777619) >>> 0;
  return h;
}

/**
 * Every case on `be` against cpu-js: the first mismatch as a message (null when all agree within
 * float32 rounding, non-finite values in the same places), and a hash of all the outputs' bits.
 */
export function checkGemmCases(be: Backend): { error: string | null; hash: number } {
  let hash = 2166136261;
  for (const [i, c] of gemmCases().entries()) {
    const [a, b, bias] = operands(c, 100 + 7 * i);
    const got = run(be, c, a, b, bias);
    const want = run(cpuJs, c, a, b, bias);
    const atol = 1e-5 * Math.sqrt(c.k + 1);
    for (let j = 0; j < want.length; j++) {
      const ok = Number.isFinite(want[j]) ? Math.abs(got[j] - want[j]) <= atol : Object.is(got[j], want[j]);
      if (!ok) return { error: `${JSON.stringify(c)}: element ${j} is ${got[j]}, cpu-js ${want[j]}`, hash };
    }
    hash = hashBits(got, hash);
  }
  return { error: null, hash };
}
