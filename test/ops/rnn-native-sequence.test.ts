// The native whole-sequence recurrent kernels (native/src/rnn_sequence.cc, also in the wasm build)
// against the stepwise reference that cpu-js runs (backend/rnn-sequence-js.ts): every mode, float32 and
// float64, forward and reversed, with and without padded rows, at a size whose steps are split among
// pool tasks (H = 200 and 420: slices of GEMM panels, the last one partial), with batches that the pool
// splits by rows (32, and 20: slices that are not whole register blocks) or, too small for that, by hidden
// units (3, with H = 420 so that a step is worth several threads). Every written array is compared whole,
// and the native kernel must not decline. Skips on backends without these native kernels.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";

import { kernels } from "../../src/backend/index.js";
import { cpuJs } from "../../src/backend/cpu-js.js";
import type {
  Backend,
  RecurrentMode,
  RecurrentSequenceKernels,
  SequenceBackwardArgs,
  SequenceForwardArgs,
} from "../../src/backend/types.js";
import { GATES } from "../../src/ops/fused/recurrent.js";

type F = Float32Array | Float64Array;
type DT = "float32" | "float64";

let seed = 424242;
function rand(dtype: DT, n: number, scale = 1): F {
  const a = dtype === "float64" ? new Float64Array(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    a[i] = (seed / 4294967296 - 0.5) * 2 * scale;
  }
  return a;
}

/** The largest difference between two arrays, relative to 1 + |reference|. */
function worst(got: F, want: F): number {
  let w = 0;
  for (let i = 0; i < want.length; i++) w = Math.max(w, Math.abs(got[i] - want[i]) / (1 + Math.abs(want[i])));
  return w;
}

/** Runs fn and counts the calls of cpu-js's sequence kernels (the native wrapper's fallback). */
function countFallbacks(fn: () => void): number {
  const js = cpuJs as unknown as Record<string, unknown>;
  const saved = { f: js.recurrentSequenceForward, b: js.recurrentSequenceBackward };
  let n = 0;
  for (const name of ["recurrentSequenceForward", "recurrentSequenceBackward"] as const) {
    const orig = cpuJs[name] as (...a: unknown[]) => void;
    js[name] = (...a: unknown[]) => {
      n++;
      orig(...a);
    };
  }
  try {
    fn();
  } finally {
    js.recurrentSequenceForward = saved.f;
    js.recurrentSequenceBackward = saved.b;
  }
  return n;
}

interface Case {
  B: number;
  H: number;
  mode: RecurrentMode;
  dtype: DT;
  reverse: boolean;
  lengths: Int32Array | null;
}

const T = 5;

/** Fresh forward and backward arguments for one case (the same random draws for both kernels). */
function argsOf(c: Case): { f: SequenceForwardArgs; b: () => SequenceBackwardArgs } {
  const { B, H } = c;
  const GH = GATES[c.mode] * H;
  const BH = B * H;
  const lstm = c.mode === "lstm";
  const gated = lstm || c.mode === "gru";
  const h = rand(c.dtype, (T + 1) * BH);
  const cs = lstm ? rand(c.dtype, (T + 1) * BH) : null;
  const f: SequenceForwardArgs = {
    T,
    B,
    H,
    reverse: c.reverse,
    lengths: c.lengths,
    wHh: rand(c.dtype, GH * H, 0.1),
    bx: rand(c.dtype, GH),
    bh: rand(c.dtype, GH),
    act: rand(c.dtype, T * B * GH),
    aux: gated ? rand(c.dtype, T * BH) : null,
    h,
    c: cs,
  };
  const g = rand(c.dtype, (T + (lstm ? 1 : 0)) * BH);
  const b = (): SequenceBackwardArgs => ({
    ...f,
    g,
    dhh: c.mode === "gru" ? rand(c.dtype, T * B * GH) : null,
    dh0: rand(c.dtype, BH),
    dc0: lstm ? rand(c.dtype, BH) : null,
  });
  return { f, b };
}

/** A deep copy of every array field (lengths and weights too, which the kernels must leave alone). */
function copy<A extends object>(a: A): A {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(a))
    out[k] = v instanceof Float32Array || v instanceof Float64Array ? v.slice() : v;
  return out as A;
}

function compare(a: object, b: object, tol: number, what: string): void {
  for (const [key, want] of Object.entries(b))
    if (want instanceof Float32Array || want instanceof Float64Array) {
      const got = (a as Record<string, F>)[key];
      const w = worst(got, want);
      assert.ok(w <= tol, `${what}: ${key} differs by ${w.toExponential(2)} (tolerance ${tol})`);
    }
}

function run(k: RecurrentSequenceKernels, c: Case): void {
  const what = `B=${c.B} H=${c.H} ${c.mode} ${c.dtype} reverse=${c.reverse} lengths=${c.lengths ? "yes" : "no"}`;
  // GEMMs of different blocking round differently; over T steps float32 stays within a few 1e-6.
  const tol = c.dtype === "float64" ? 1e-12 : 5e-5;
  const { f, b } = argsOf(c);
  const ref = copy(f);
  const nat = copy(f);
  cpuJs.recurrentSequenceForward(c.mode, ref);
  assert.equal(
    countFallbacks(() => k.recurrentSequenceForward(c.mode, nat)),
    0,
    `${what}: forward declined`,
  );
  compare(nat, ref, tol, `${what} forward`);
  // Backward from the reference's saved forward state, so both start from the same activations.
  const bArgs = { ...b(), act: ref.act, aux: ref.aux, h: ref.h, c: ref.c };
  const refB = copy(bArgs);
  const natB = copy(bArgs);
  cpuJs.recurrentSequenceBackward(c.mode, refB);
  assert.equal(
    countFallbacks(() => k.recurrentSequenceBackward(c.mode, natB)),
    0,
    `${what}: backward declined`,
  );
  compare(natB, refB, tol, `${what} backward`);
}

test("native whole-sequence recurrent kernels equal the stepwise reference", (t: TestContext) => {
  const k: Backend = kernels();
  if (k.name === "cpu-js" || !k.nativeKernels.includes("recurrentSequenceForward")) {
    t.skip(`backend ${k.name} has no native sequence kernels`);
    return;
  }
  for (const [B, H] of [
    [32, 200],
    [20, 200],
    [3, 420],
  ]) {
    const lengths = Int32Array.from({ length: B }, (_, b) => b % (T + 2)); // 0 … T+1: empty and full rows
    for (const mode of ["lstm", "gru", "rnn_tanh", "rnn_relu"] as const)
      for (const dtype of ["float32", "float64"] as const)
        for (const reverse of [false, true])
          for (const len of [null, lengths]) run(k, { B, H, mode, dtype, reverse, lengths: len });
  }
});
