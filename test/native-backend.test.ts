/**
 * The native backend against cpu-js, kernel by kernel, on random inputs: every op and element kind,
 * broadcast and strided views, odd sizes, sizes large enough to run on the thread pool, every
 * matmul transpose combination with leading dimensions, offsets and batch strides (0 included),
 * and each GEMM micro-kernel (portable, AVX2, best) in child processes. Skips when the addon is not
 * built.
 */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";

import { cpuJs } from "../src/backend/cpu-js.js";
import { loadNative, nativeInfo } from "../src/backend/native.js";
import { NATIVE_KERNELS, UNARY_OPS } from "../src/backend/native-kernels.js";
import { causalAttentionBackwardJs, causalAttentionJs } from "../src/backend/fused-js.js";
import { backend, setBackend } from "../src/backend/index.js";
import { loadWasmSync } from "../src/backend/wasm/load.js";
import { noGrad } from "../src/autograd/grad-mode.js";
import { Adam, AdamW, type AdamOptions } from "../src/optim/adam.js";
import { Tensor } from "../src/tensor/tensor.js";
import { gemmParams } from "../src/backend/rnn-sequence-js.js";
import type {
  Backend,
  BinaryOp,
  MatmulParams,
  ReduceOp,
  Storage,
  UnaryOp,
  View,
} from "../src/backend/types.js";

// The kernels under test: the addon's, or in the wasm pass of npm test the same C++ compiled to
// WebAssembly (backend/wasm/), whose kernels must agree with cpu-js in the same way.
const wasmPass = process.env.GRADSTACK_BACKEND === "wasm";
const loaded = wasmPass ? { backend: loadWasmSync().backend } : loadNative();
const nb: Backend | null = "backend" in loaded ? ({ ...cpuJs, ...loaded.backend } as Backend) : null;
const skipReason = "error" in loaded ? `native addon unavailable: ${loaded.error}` : "";

/** A test that skips when the addon did not load. */
function ntest(name: string, fn: (t: TestContext, nb: Backend) => void): void {
  test(name, (t) => {
    if (nb === null) {
      t.skip(skipReason);
      return;
    }
    fn(t, nb);
  });
}

// ---------------------------------------------------------------------------------------------
// helpers

type Kind = "f32" | "f64" | "i32" | "u8";
const KINDS: Kind[] = ["f32", "f64", "i32", "u8"];

let seed = 12345;
function rnd(): number {
  // mulberry32
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const randInt = (n: number) => Math.floor(rnd() * n);

function alloc(kind: Kind, n: number): Storage {
  switch (kind) {
    case "f32":
      return new Float32Array(n);
    case "f64":
      return new Float64Array(n);
    case "i32":
      return new Int32Array(n);
    case "u8":
      return new Uint8Array(n);
  }
}

const SPECIAL = [NaN, Infinity, -Infinity, 0, -0, 0.5, -0.5, 1.5, 2.5, -2.5, 1, -1];

/** Random values: floats in [lo, hi) with a few special values, ints in [-50, 50), bools. */
function rand(kind: Kind, n: number, lo = -2, hi = 2, specials = false): Storage {
  const a = alloc(kind, n);
  for (let i = 0; i < n; i++) {
    if (kind === "u8") a[i] = rnd() < 0.5 ? 1 : 0;
    else if (kind === "i32") a[i] = randInt(100) - 50;
    else if (specials && rnd() < 0.05) a[i] = SPECIAL[randInt(SPECIAL.length)];
    else a[i] = lo + (hi - lo) * rnd();
  }
  return a;
}

function kindOf(s: Storage): Kind {
  return s instanceof Float32Array
    ? "f32"
    : s instanceof Float64Array
      ? "f64"
      : s instanceof Int32Array
        ? "i32"
        : "u8";
}

function clone(s: Storage): Storage {
  return s.slice();
}

/** |actual - expected| <= atol + rtol·|expected| everywhere (NaN matches NaN; infinities exactly). */
function assertClose(actual: Storage, expected: Storage, what: string, rtol?: number, atol?: number): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  const kind = kindOf(expected);
  const rt = rtol ?? (kind === "f32" ? 1e-4 : kind === "f64" ? 1e-10 : 0);
  const at = atol ?? (kind === "f32" ? 1e-6 : kind === "f64" ? 1e-12 : 0);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    const ok = !Number.isFinite(e) ? a === e : Math.abs(a - e) <= at + rt * Math.abs(e);
    if (!ok) assert.fail(`${what}: at ${i} got ${a}, want ${e}`);
  }
}

function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

interface ViewOpts {
  /** Dims read with stride 0. */
  bcast?: number[];
  /** Lay dims out first-fastest (a transposed view) instead of last-fastest. */
  transposed?: boolean;
  /** Extra elements after each dim (a slice of a larger tensor). */
  pad?: number;
  offset?: number;
}

/** A random view of `shape` over a fresh storage laid out as described. */
function makeView(kind: Kind, shape: readonly number[], o: ViewOpts = {}, lo?: number, hi?: number): View {
  const nd = shape.length;
  const strides = new Array<number>(nd).fill(0);
  const order = [...Array(nd).keys()];
  if (!o.transposed) order.reverse();
  let extent = 1;
  for (const d of order) {
    if (o.bcast?.includes(d)) continue;
    strides[d] = extent;
    extent *= shape[d] + (o.pad ?? 0);
  }
  const offset = o.offset ?? 0;
  return { data: rand(kind, offset + extent + 3, lo, hi, true), offset, strides };
}

/** Runs `fn` on native and on cpu-js with separate copies of `outs`, then compares them. */
function compare(
  nb: Backend,
  what: string,
  outs: Storage[],
  fn: (be: Backend, outs: Storage[]) => void,
  rtol?: number,
  atol?: number,
): void {
  const mine = outs.map(clone);
  const ref = outs.map(clone);
  fn(nb, mine);
  fn(cpuJs, ref);
  for (let i = 0; i < outs.length; i++) assertClose(mine[i], ref[i], what, rtol, atol);
}

const SIZES = [1, 7, 33, 100, 257];
const BIG = 70001; // over the elementwise threshold: runs on the pool

// ---------------------------------------------------------------------------------------------
// elementwise

const UNARY: readonly UnaryOp[] = UNARY_OPS;

ntest("backend identity", (_t, nb) => {
  assert.equal(nb.name, wasmPass ? "wasm" : "cpu-native");
  assert.ok(Number.isInteger(nb.threads) && nb.threads >= 1);
  if (!wasmPass) {
    const info = nativeInfo();
    assert.ok(info !== null && info.gemmKernel.length > 0);
  }
  assert.ok(["generic", "avx2", "avx512", "simd128", "relaxed-simd"].includes(nb.isa), nb.isa);
  // Every kernel of the table is native, and the op runs the fused attention kernel here.
  assert.deepEqual([...nb.nativeKernels].sort(), Object.keys(NATIVE_KERNELS).sort());
  assert.deepEqual(nb.preferComposition, []);
});

ntest("unary: every op, float32 and float64, odd and large sizes, special values", (_t, nb) => {
  for (const kind of ["f32", "f64"] as Kind[])
    for (const op of UNARY)
      for (const n of [...SIZES, BIG]) {
        const positive = op === "log" || op === "sqrt" || op === "rsqrt";
        const x = rand(kind, n, positive ? 0.01 : -6, 6, true);
        if (op === "round") for (let i = 0; i < n; i += 3) x[i] = Math.round(x[i] * 2) / 2; // halves
        compare(nb, `unary ${op} ${kind} n=${n}`, [alloc(kind, n)], (be, [out]) => be.unary(op, x, out));
      }
});

ntest("unary: int32 and bool (native for `not` on bool, else the cpu-js fallback)", (_t, nb) => {
  for (const kind of ["i32", "u8"] as Kind[])
    for (const op of UNARY)
      for (const n of [7, BIG]) {
        const x = rand(kind, n);
        compare(nb, `unary ${op} ${kind} n=${n}`, [alloc(kind, n)], (be, [out]) => be.unary(op, x, out));
      }
});

const ARITH: BinaryOp[] = ["add", "sub", "mul", "div", "pow", "maximum", "minimum"];
const CMP: BinaryOp[] = ["eq", "ne", "lt", "le", "gt", "ge", "and", "or"];

/** Shapes with the views of a and b: contiguous, broadcast, transposed, sliced, scalar, empty. */
function binaryCases(): { name: string; shape: number[]; a: ViewOpts; b: ViewOpts }[] {
  const cases: { name: string; shape: number[]; a: ViewOpts; b: ViewOpts }[] = [];
  for (const n of SIZES) cases.push({ name: `contiguous [${n}]`, shape: [n], a: {}, b: {} });
  cases.push(
    { name: "large contiguous", shape: [BIG], a: {}, b: {} },
    { name: "scalar []", shape: [], a: {}, b: {} },
    { name: "a scalar broadcast", shape: [100], a: { bcast: [0] }, b: {} },
    { name: "b scalar broadcast, offset", shape: [257], a: { offset: 5 }, b: { bcast: [0], offset: 3 } },
    { name: "row bias [33, 7] + [7]", shape: [33, 7], a: {}, b: { bcast: [0] } },
    { name: "column [7, 33] + [7, 1]", shape: [7, 33], a: {}, b: { bcast: [1] } },
    { name: "outer [5, 4, 33]", shape: [5, 4, 33], a: { bcast: [1] }, b: { bcast: [0] } },
    {
      name: "transposed a, padded",
      shape: [7, 100],
      a: { transposed: true, pad: 2 },
      b: { pad: 1, offset: 4 },
    },
    { name: "size-1 dims", shape: [1, 33, 1, 7, 1], a: { transposed: true }, b: { bcast: [1] } },
    { name: "4-d mixed", shape: [3, 1, 5, 7], a: { pad: 1 }, b: { transposed: true, bcast: [2] } },
    { name: "large broadcast [300, 257]", shape: [300, 257], a: {}, b: { bcast: [0] } },
    { name: "large transposed [257, 300]", shape: [257, 300], a: { transposed: true }, b: { pad: 3 } },
    { name: "empty [0, 5]", shape: [0, 5], a: {}, b: {} },
  );
  return cases;
}

ntest("binary: arithmetic, float32 and float64, broadcast and strided views", (_t, nb) => {
  for (const kind of ["f32", "f64"] as Kind[])
    for (const c of binaryCases())
      for (const op of ARITH) {
        const pow = op === "pow";
        const a = makeView(kind, c.shape, c.a, pow ? 0 : -2, 2);
        const b = makeView(kind, c.shape, c.b, -3, 3);
        const n = numel(c.shape);
        compare(nb, `binary ${op} ${kind} ${c.name}`, [alloc(kind, n + 2)], (be, [out]) =>
          be.binary(op, a, b, out, c.shape),
        );
      }
});

ntest("binary: comparisons and logic into bool, every element kind", (_t, nb) => {
  for (const kind of KINDS)
    for (const c of binaryCases())
      for (const op of CMP) {
        const a = makeView(kind, c.shape, c.a);
        const b = makeView(kind, c.shape, c.b);
        // Some equal pairs, so eq/le/ge see ties.
        for (let i = 0; i < Math.min(a.data.length, b.data.length); i += 4) b.data[i] = a.data[i];
        const n = numel(c.shape);
        compare(nb, `binary ${op} ${kind} ${c.name}`, [alloc("u8", n)], (be, [out]) =>
          be.binary(op, a, b, out, c.shape),
        );
      }
});

ntest("binary: int32 and bool with outputs of their own kind (partly cpu-js fallback)", (_t, nb) => {
  for (const kind of ["i32", "u8"] as Kind[])
    for (const c of binaryCases().slice(0, 12))
      for (const op of [...ARITH, ...CMP]) {
        const a = makeView(kind, c.shape, c.a);
        const b = makeView(kind, c.shape, c.b);
        const n = numel(c.shape);
        compare(nb, `binary ${op} ${kind} ${c.name}`, [alloc(kind, n)], (be, [out]) =>
          be.binary(op, a, b, out, c.shape),
        );
      }
});

ntest("where: every element kind, broadcast condition and operands", (_t, nb) => {
  for (const kind of KINDS)
    for (const c of binaryCases()) {
      const cond = makeView("u8", c.shape, c.b);
      const a = makeView(kind, c.shape, c.a);
      const b = makeView(kind, c.shape, { transposed: true, pad: 1 });
      const n = numel(c.shape);
      compare(nb, `where ${kind} ${c.name}`, [alloc(kind, n)], (be, [out]) =>
        be.where(cond, a, b, out, c.shape),
      );
    }
});

ntest("copy: strided source and destination, every element kind", (_t, nb) => {
  for (const kind of KINDS)
    for (const c of binaryCases()) {
      const src = makeView(kind, c.shape, c.a);
      const dstLayout: ViewOpts = { transposed: !c.a.transposed, pad: 2, offset: 1 };
      const dst = makeView(kind, c.shape, dstLayout);
      compare(nb, `copy ${kind} ${c.name}`, [dst.data], (be, [d]) =>
        be.copy(src, { data: d, offset: dst.offset, strides: dst.strides }, c.shape),
      );
    }
});

ntest("cast: every pair of element kinds, with NaN, infinities and out-of-range values", (_t, nb) => {
  for (const from of KINDS)
    for (const to of KINDS)
      for (const n of [...SIZES, BIG]) {
        const src = rand(from, n, -5e9, 5e9, true);
        if (from === "f32" || from === "f64") for (let i = 0; i < n; i += 5) src[i] = rnd() * 600 - 300;
        compare(nb, `cast ${from}→${to} n=${n}`, [alloc(to, n)], (be, [dst]) => be.cast(src, dst));
      }
});

// ---------------------------------------------------------------------------------------------
// reductions

const REDUCE: ReduceOp[] = ["sum", "max", "min", "prod"];
const REDUCE_SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [7, 33, 1],
  [1, 257, 1],
  [33, 7, 100],
  [3, 100, 7],
  [1, 5, 257],
  [4, 0, 3],
  [300, 257, 1], // large, inner 1 (a softmax row sum)
  [2, 300, 257], // large, inner > 1
  [257, 33, 9],
];

ntest("reduce: every op, input and output kinds, inner 1 and > 1", (_t, nb) => {
  for (const kind of KINDS)
    for (const outKind of kind === "u8" ? (["i32", "f32"] as Kind[]) : ([kind, "f64"] as Kind[]))
      for (const op of REDUCE)
        for (const [outer, size, inner] of REDUCE_SHAPES) {
          const nearOne = op === "prod";
          const x = rand(
            kind,
            outer * size * inner,
            nearOne ? 0.9 : -2,
            nearOne ? 1.1 : 2,
            !nearOne && rnd() < 0.3,
          );
          compare(
            nb,
            `reduce ${op} ${kind}→${outKind} [${outer},${size},${inner}]`,
            [alloc(outKind, outer * inner)],
            (be, [out]) => be.reduce(op, x, out, outer, size, inner),
          );
        }
});

ntest("argReduce: argmax and argmin with ties and NaN", (_t, nb) => {
  for (const kind of KINDS)
    for (const op of ["argmax", "argmin"] as const)
      for (const [outer, size, inner] of REDUCE_SHAPES) {
        const x = rand(kind, outer * size * inner, -2, 2, rnd() < 0.5);
        if (kind === "f32" || kind === "f64") for (let i = 0; i < x.length; i += 7) x[i] = Math.round(x[i]); // ties
        compare(
          nb,
          `${op} ${kind} [${outer},${size},${inner}]`,
          [new Int32Array(outer * inner)],
          (be, [out]) => be.argReduce(op, x, out as Int32Array, outer, size, inner),
        );
      }
});

// ---------------------------------------------------------------------------------------------
// indexing

const INDEX_SHAPES: [number, number, number, number][] = [
  // outer, size, m, inner
  [1, 1, 1, 1],
  [1, 33, 7, 1],
  [3, 7, 33, 5],
  [2, 100, 257, 3],
  [1, 50, 300, 257], // large (an embedding table and its gradient)
  [300, 9, 4, 33],
];

function indices(n: number, size: number): Int32Array {
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = randInt(size); // duplicates included
  return idx;
}

ntest("indexSelect and indexAdd: every element kind, duplicate indices", (_t, nb) => {
  for (const kind of KINDS)
    for (const [outer, size, m, inner] of INDEX_SHAPES) {
      const x = rand(kind, outer * size * inner);
      const idx = indices(m, size);
      const tag = `${kind} [${outer},${size},${m},${inner}]`;
      compare(nb, `indexSelect ${tag}`, [alloc(kind, outer * m * inner)], (be, [out]) =>
        be.indexSelect(x, idx, out, outer, size, inner),
      );
      const src = rand(kind, outer * m * inner);
      compare(nb, `indexAdd ${tag}`, [rand(kind, outer * size * inner)], (be, [dst]) =>
        be.indexAdd(dst, idx, src, outer, size, inner),
      );
    }
});

ntest("gather and scatterAdd: every element kind, duplicate indices", (_t, nb) => {
  for (const kind of KINDS)
    for (const [outer, size, m, inner] of INDEX_SHAPES) {
      const x = rand(kind, outer * size * inner);
      const idx = indices(outer * m * inner, size);
      const tag = `${kind} [${outer},${size},${m},${inner}]`;
      compare(nb, `gather ${tag}`, [alloc(kind, outer * m * inner)], (be, [out]) =>
        be.gather(x, idx, out, outer, size, m, inner),
      );
      const src = rand(kind, outer * m * inner);
      compare(nb, `scatterAdd ${tag}`, [rand(kind, outer * size * inner)], (be, [dst]) =>
        be.scatterAdd(dst, idx, src, outer, size, m, inner),
      );
    }
});

ntest("out-of-range indices and views fall back to cpu-js (same results, no crash)", (_t, nb) => {
  const x = rand("f32", 3 * 10 * 4);
  const bad = new Int32Array([1, 10, 2]);
  compare(nb, "indexSelect out of range", [alloc("f32", 3 * 3 * 4)], (be, [out]) =>
    be.indexSelect(x, bad, out, 3, 10, 4),
  );
  const neg = new Int32Array([0, -1, 2]);
  const src = rand("f32", 36);
  compare(nb, "indexAdd negative", [rand("f32", 120)], (be, [dst]) => be.indexAdd(dst, neg, src, 3, 10, 4));
  // A view reaching past its storage: cpu-js reads undefined (NaN); native must not read it.
  const a: View = { data: rand("f32", 10), offset: 5, strides: [1] };
  const b: View = { data: rand("f32", 10), offset: 0, strides: [1] };
  compare(nb, "binary past the end", [alloc("f32", 8)], (be, [out]) => be.binary("add", a, b, out, [8]));
  // A matmul whose A would overrun: falls back (cpu-js reads NaN there).
  const p: MatmulParams = { ...mm(4, 4, 4), lda: 6 };
  const [ma, mb] = [rand("f32", 16), rand("f32", 16)];
  compare(nb, "matmul past the end", [alloc("f32", 16)], (be, [out]) => be.matmul(ma, mb, out, p));
});

// ---------------------------------------------------------------------------------------------
// fused kernels

const ROWS_COLS: [number, number][] = [
  [1, 1],
  [7, 33],
  [33, 7],
  [100, 257],
  [300, 257], // large: rows split across threads
  [3, 50000], // a vocabulary-sized row
];

ntest("softmax and log-softmax: float32 and float64, with -inf, +inf and NaN rows", (_t, nb) => {
  for (const kind of ["f32", "f64"] as Kind[])
    for (const log of [false, true])
      for (const [rows, cols] of ROWS_COLS) {
        const x = rand(kind, rows * cols, -8, 8);
        if (rows >= 7) {
          for (let j = 0; j < cols; j++) x[cols + j] = -Infinity; // an all -inf row
          x[2 * cols] = Infinity;
          x[3 * cols + 1] = NaN;
          x[4 * cols] = -Infinity;
        }
        compare(nb, `softmax log=${log} ${kind} [${rows},${cols}]`, [alloc(kind, rows * cols)], (be, [out]) =>
          be.softmax(x, out, rows, cols, log),
        );
      }
});

ntest("crossEntropy: losses and probs, ignored and out-of-range targets", (_t, nb) => {
  for (const kind of ["f32", "f64"] as Kind[])
    for (const [rows, cols] of ROWS_COLS) {
      const logits = rand(kind, rows * cols, -8, 8);
      const targets = indices(rows, cols);
      if (rows >= 7) {
        targets[1] = -100; // ignoreIndex
        targets[2] = cols + 3; // reads into the next row, as cpu-js does
        targets[rows - 1] = cols + 5; // past the end: NaN
      }
      compare(
        nb,
        `crossEntropy ${kind} [${rows},${cols}]`,
        [alloc(kind, rows), alloc(kind, rows * cols)],
        (be, [losses, probs]) => be.crossEntropy(logits, targets, losses, probs, rows, cols, -100),
      );
    }
});

ntest("layerNorm forward and backward: with and without weight, bias, dw, db", (_t, nb) => {
  for (const kind of ["f32", "f64"] as Kind[])
    for (const [rows, cols] of ROWS_COLS.slice(0, 5))
      for (const affine of [false, true]) {
        const x = rand(kind, rows * cols, -3, 5);
        const w = affine ? rand(kind, cols, 0.5, 1.5) : null;
        const b = affine ? rand(kind, cols, -1, 1) : null;
        const tag = `${kind} [${rows},${cols}] affine=${affine}`;
        compare(
          nb,
          `layerNorm ${tag}`,
          [alloc(kind, rows * cols), alloc(kind, rows), alloc(kind, rows)],
          (be, [out, mean, rstd]) => be.layerNorm(x, w, b, out, mean, rstd, rows, cols, 1e-5),
        );
        const mean = alloc(kind, rows);
        const rstd = alloc(kind, rows);
        cpuJs.layerNorm(x, w, b, alloc(kind, rows * cols), mean, rstd, rows, cols, 1e-5);
        const g = rand(kind, rows * cols, -1, 1);
        for (const grads of [false, true])
          compare(
            nb,
            `layerNormBackward ${tag} grads=${grads}`,
            [alloc(kind, rows * cols), alloc(kind, cols), alloc(kind, cols)],
            (be, [dx, dw, db]) =>
              be.layerNormBackward(g, x, w, mean, rstd, dx, grads ? dw : null, grads ? db : null, rows, cols),
            1e-4,
            1e-5,
          );
      }
});

ntest(
  "layerNorm float32 keeps rows far from zero accurate (its variance is the corrected two-pass one)",
  (_t, nb) => {
    // Rows near 100 with a spread of 1: the float32 mean is off by about an ulp of 100, which a plain
    // two-pass variance turns into ~4e-6 of error in the output; the correction keeps it near 1e-7.
    for (const cols of [128, 1000]) {
      const rows = 6;
      const x = rand("f32", rows * cols, 99, 101);
      compare(
        nb,
        `layerNorm far from zero [${rows},${cols}]`,
        [alloc("f32", rows * cols), alloc("f32", rows), alloc("f32", rows)],
        (be, [out, mean, rstd]) => be.layerNorm(x, null, null, out, mean, rstd, rows, cols, 1e-5),
        0,
        1e-6,
      );
    }
  },
);

ntest("gelu and its backward: exact and tanh, float32 and float64", (_t, nb) => {
  for (const kind of ["f32", "f64"] as Kind[])
    for (const approximateTanh of [false, true])
      for (const n of [...SIZES, BIG]) {
        const x = rand(kind, n, -10, 10, true);
        const g = rand(kind, n, -2, 2);
        const tag = `${kind} tanh=${approximateTanh} n=${n}`;
        compare(nb, `gelu ${tag}`, [alloc(kind, n)], (be, [out]) => be.gelu(x, out, approximateTanh));
        compare(nb, `geluBackward ${tag}`, [alloc(kind, n)], (be, [dx]) =>
          be.geluBackward(g, x, dx, approximateTanh),
        );
      }
});

ntest("causal attention forward and backward against the reference, float32 and float64", (_t, nb) => {
  // [B, T, nh, hs]: odd sizes, the specialised head sizes 32 and 64, and enough heads for the pool.
  const cases = [
    [1, 1, 1, 1],
    [2, 5, 3, 7],
    [3, 17, 2, 33],
    [2, 9, 1, 64],
    [1, 130, 2, 16],
    [12, 64, 4, 32],
  ];
  for (const kind of ["f32", "f64"] as Kind[])
    for (const [B, T, nh, hs] of cases) {
      const C = nh * hs;
      const qkv = rand(kind, B * T * 3 * C, -2, 2);
      const dout = rand(kind, B * T * C, -1, 1);
      const scale = 1 / Math.sqrt(hs);
      const tag = `${kind} B=${B} T=${T} nh=${nh} hs=${hs}`;
      const out = alloc(kind, B * T * C),
        lse = alloc(kind, B * nh * T);
      const outRef = alloc(kind, B * T * C),
        lseRef = alloc(kind, B * nh * T);
      nb.causalAttention!(qkv, out, lse, B, T, nh, hs, scale);
      causalAttentionJs(qkv, outRef, lseRef, B, T, nh, hs, scale);
      assertClose(out, outRef, `causalAttention out ${tag}`, 1e-4, 1e-5);
      assertClose(lse, lseRef, `causalAttention lse ${tag}`, 1e-4, 1e-5);
      const dqkv = alloc(kind, qkv.length).fill(NaN),
        dqkvRef = alloc(kind, qkv.length);
      nb.causalAttentionBackward!(qkv, outRef, dout, lseRef, dqkv, B, T, nh, hs, scale);
      causalAttentionBackwardJs(qkv, outRef, dout, lseRef, dqkvRef, B, T, nh, hs, scale);
      assertClose(dqkv, dqkvRef, `causalAttentionBackward ${tag}`, 1e-4, 1e-5);
    }
});

ntest("adamStep: Adam and AdamW (amsgrad, maximize, weight decay) match the TypeScript loop", (_t, nb) => {
  assert.equal(typeof nb.adamStep, "function");
  // The same optimizer run on each backend from the same start; the native one takes the float32
  // parameters (odd sizes, one over the threading threshold) and leaves the float64 one to the loop.
  const names = { "cpu-js": "js", "cpu-native": "native", wasm: "wasm" } as const;
  const before = names[backend().name as keyof typeof names];
  const run = (which: "js" | "native" | "wasm", Opt: typeof Adam | typeof AdamW, o: Partial<AdamOptions>) => {
    setBackend(which);
    try {
      seed = 777;
      const params = [7, 70001, 33].map((n) => {
        const p = new Tensor(rand("f32", n), [n]);
        p.requiresGrad = true;
        return p;
      });
      const p64 = new Tensor(rand("f64", 5), [5]);
      p64.requiresGrad = true;
      const opt = new Opt([...params, p64], o);
      for (let step = 0; step < 3; step++) {
        for (const p of [...params, p64]) p.grad = new Tensor(rand(kindOf(p.storage), p.numel()), p.shape);
        opt.step();
      }
      const state = noGrad(() => opt.stateDict().state);
      return { params: [...params, p64].map((p) => p.storage), state };
    } finally {
      setBackend(before);
    }
  };
  const configs: [typeof Adam | typeof AdamW, Partial<AdamOptions>][] = [
    [AdamW, { lr: 1e-2, weightDecay: 0.1 }],
    [Adam, { lr: 1e-2, weightDecay: 0.05, amsgrad: true }],
    [AdamW, { lr: 3e-3, betas: [0.8, 0.95], eps: 1e-6, maximize: true, amsgrad: true }],
  ];
  // FMA contraction may move a rounding by an ulp, which cancellation in m can magnify: compare at
  // 1e-7 absolute (values are O(1)).
  for (const [Opt, o] of configs) {
    const tag = `${Opt.name} ${JSON.stringify(o)}`;
    const want = run("js", Opt, o);
    const got = run(wasmPass ? "wasm" : "native", Opt, o);
    want.params.forEach((p, i) => assertClose(got.params[i], p, `${tag} param ${i}`, 1e-6, 1e-7));
    for (const [i, s] of Object.entries(want.state) as [string, Record<string, Tensor | number>][])
      for (const [k, v] of Object.entries(s)) {
        const g = (got.state as Record<string, Record<string, Tensor | number>>)[i][k];
        if (v instanceof Tensor)
          assertClose((g as Tensor).storage, v.storage, `${tag} ${k} ${i}`, 1e-6, 1e-7);
        else assert.equal(g, v, `${tag} ${k} ${i}`);
      }
  }
  // Declined by the addon, so cpu-js's loop runs instead, bit for bit: float64 and aliased buffers.
  const h = { stepSize: 1, bc2Sqrt: 1, shrink: 1, l2: 0, beta1: 0.9, beta2: 0.99, eps: 1e-8, sign: 1 };
  const declined = (
    call: (be: Backend, a: Float32Array | Float64Array) => void,
    a0: Float32Array | Float64Array,
  ) => {
    const viaNative = a0.slice();
    const viaJs = a0.slice();
    let fallbacks = 0;
    const adamJs = cpuJs.adamStep;
    cpuJs.adamStep = (...args) => {
      fallbacks++;
      adamJs(...args);
    };
    try {
      call(nb, viaNative);
    } finally {
      cpuJs.adamStep = adamJs;
    }
    call(cpuJs, viaJs);
    assert.equal(fallbacks, 1);
    assert.deepEqual(viaNative, viaJs);
  };
  seed = 99;
  declined(
    (be, f64) =>
      be.adamStep(f64 as Float64Array, 0, f64, 0, f64 as Float64Array, f64 as Float64Array, null, 4, h),
    rand("f64", 4) as Float64Array,
  );
  declined(
    (be, f32) =>
      be.adamStep(
        f32 as Float32Array,
        0,
        f32,
        4,
        f32.subarray(2) as Float32Array,
        new Float32Array(4),
        null,
        4,
        h,
      ),
    rand("f32", 8) as Float32Array,
  );
});

ntest("adamSteps: one call over a list gives each tensor adamStep's result, bit for bit", (_t, nb) => {
  const h = {
    stepSize: 0.01,
    bc2Sqrt: 0.3,
    shrink: 0.99,
    l2: 0.01,
    beta1: 0.9,
    beta2: 0.99,
    eps: 1e-8,
    sign: -1,
  };
  const sizes = [7, 70001, 0, 33, 130000, 1];
  const lists = (amsgrad: boolean) => {
    seed = 4242;
    const f32 = (n: number) => rand("f32", n) as Float32Array;
    return {
      p: sizes.map((n) => f32(n + 3)),
      g: sizes.map((n) => f32(n + 5)),
      m: sizes.map(f32),
      v: sizes.map((n) => f32(n).map(Math.abs)),
      vmax: amsgrad ? sizes.map((n) => f32(n).map((x) => Math.abs(x) * 1.5)) : null,
      pOffset: sizes.map(() => 3),
      gOffset: sizes.map(() => 5),
      n: sizes,
    };
  };
  const calls = { adamStep: 0, adamSteps: 0 };
  const [stepJs, stepsJs] = [cpuJs.adamStep, cpuJs.adamSteps];
  cpuJs.adamStep = (...a) => void (calls.adamStep++, stepJs(...a));
  cpuJs.adamSteps = (...a) => void (calls.adamSteps++, stepsJs(...a));
  try {
    for (const amsgrad of [false, true]) {
      const one = lists(amsgrad);
      const each = lists(amsgrad);
      nb.adamSteps(one, h);
      for (let i = 0; i < sizes.length; i++)
        nb.adamStep(each.p[i], 3, each.g[i], 5, each.m[i], each.v[i], each.vmax?.[i] ?? null, sizes[i], h);
      assert.deepEqual(calls, { adamStep: 0, adamSteps: 0 }, "the native kernels took every call");
      for (const k of ["p", "m", "v", "vmax"] as const)
        one[k]?.forEach((a, i) => assert.deepEqual(a, each[k]![i], `amsgrad=${amsgrad} ${k} ${i}`));
      // And within float32 rounding of cpu-js's loop.
      const js = lists(amsgrad);
      stepsJs(js, h);
      one.p.forEach((a, i) => assertClose(a, js.p[i], `amsgrad=${amsgrad} p ${i} vs cpu-js`, 1e-6, 1e-7));
    }
    // A list the kernel declines (a float64 tensor among float32 ones) runs on cpu-js, whole.
    const mixed = lists(false);
    const want = lists(false);
    mixed.p[1] = Float64Array.from(mixed.p[1]) as unknown as Float32Array;
    want.p[1] = Float64Array.from(want.p[1]) as unknown as Float32Array;
    nb.adamSteps(mixed, h);
    stepsJs(want, h);
    assert.equal(calls.adamSteps, 1);
    mixed.p.forEach((a, i) => assert.deepEqual(a, want.p[i], `declined list p ${i}`));
  } finally {
    cpuJs.adamStep = stepJs;
    cpuJs.adamSteps = stepsJs;
  }
});

// ---------------------------------------------------------------------------------------------
// matmul

const mm = (m: number, n: number, k: number, over: Partial<MatmulParams> = {}): MatmulParams =>
  gemmParams(m, n, k, over);

interface MmCase {
  batch: number;
  m: number;
  n: number;
  k: number;
  /** Extra columns in each stored row (a slice of a wider matrix, e.g. the q third of qkv). */
  padA: number;
  padB: number;
  aOffset: number;
  bOffset: number;
  /** "packed": matrices back to back; "zero": one matrix broadcast over the batch; "gap": spaced out. */
  aBatch: "packed" | "zero" | "gap";
  bBatch: "packed" | "zero" | "gap";
}

function mmCases(): MmCase[] {
  const base = {
    batch: 1,
    padA: 0,
    padB: 0,
    aOffset: 0,
    bOffset: 0,
    aBatch: "packed",
    bBatch: "packed",
  } as const;
  const cases: MmCase[] = [];
  for (const m of SIZES)
    for (const n of SIZES) {
      const k = SIZES[(SIZES.indexOf(m) + SIZES.indexOf(n) + 1) % SIZES.length];
      cases.push({ ...base, m, n, k });
    }
  cases.push(
    { ...base, m: 33, n: 100, k: 257, padA: 5, padB: 3, aOffset: 7, bOffset: 11 },
    { ...base, m: 100, n: 64, k: 64, padA: 128, padB: 0, aOffset: 64 }, // q/k/v thirds of a fused [100, 192]
    { ...base, m: 64, n: 0, k: 7 },
    { ...base, m: 7, n: 33, k: 0 },
    { ...base, batch: 3, m: 7, n: 33, k: 100, aBatch: "packed", bBatch: "zero" },
    { ...base, batch: 3, m: 33, n: 7, k: 100, aBatch: "zero", bBatch: "gap", padA: 2 },
    { ...base, batch: 4, m: 100, n: 33, k: 7, aBatch: "gap", bBatch: "packed", aOffset: 3, bOffset: 1 },
    // big enough for the thread pool: one item split across threads, odd batches, many batches
    { ...base, m: 300, n: 257, k: 200, padA: 1, padB: 2 },
    { ...base, m: 100, n: 1000, k: 60 },
    { ...base, batch: 3, m: 100, n: 120, k: 70, aBatch: "packed", bBatch: "zero" },
    { ...base, batch: 12, m: 33, n: 100, k: 64, aBatch: "gap", bBatch: "packed" },
    { ...base, m: 1, n: 1000, k: 1000 },
    { ...base, m: 7, n: 4500, k: 30 }, // serial, n over one cache block (NC)
    // a few rows (decoding one token at a time): the unpacked path, threaded over n when large
    { ...base, m: 4, n: 257, k: 100, padA: 3, aOffset: 2 },
    { ...base, m: 3, n: 2000, k: 500, padB: 1 },
    { ...base, batch: 3, m: 2, n: 700, k: 33, aBatch: "packed", bBatch: "zero" },
  );
  return cases;
}

/** Lays out random operands for `c` and returns them with the MatmulParams. */
function mmSetup(kind: Kind, c: MmCase, transA: boolean, transB: boolean) {
  const rowsA = transA ? c.k : c.m;
  const colsA = transA ? c.m : c.k;
  const rowsB = transB ? c.n : c.k;
  const colsB = transB ? c.k : c.n;
  const lda = colsA + c.padA;
  const ldb = colsB + c.padB;
  const stride = (how: string, rows: number, ld: number) =>
    how === "zero" ? 0 : how === "gap" ? rows * ld + 13 : rows * ld;
  const aBatchStride = stride(c.aBatch, rowsA, lda);
  const bBatchStride = stride(c.bBatch, rowsB, ldb);
  const a = rand(kind, c.aOffset + (c.batch - 1) * aBatchStride + rowsA * lda + 2, -1, 1);
  const b = rand(kind, c.bOffset + (c.batch - 1) * bBatchStride + rowsB * ldb + 2, -1, 1);
  const p: MatmulParams = {
    batch: c.batch,
    m: c.m,
    n: c.n,
    k: c.k,
    transA,
    transB,
    lda,
    ldb,
    aOffset: c.aOffset,
    bOffset: c.bOffset,
    aBatchStride,
    bBatchStride,
  };
  const out = alloc(kind, c.batch * c.m * c.n + 3).fill(7); // stale values must be overwritten; the tail kept
  return { a, b, p, out };
}

ntest(
  "matmul: transpose combos, odd sizes, leading dims, offsets, batch strides, float32/float64",
  (_t, nb) => {
    for (const kind of ["f32", "f64"] as Kind[])
      for (const c of mmCases())
        for (const transA of [false, true])
          for (const transB of [false, true]) {
            const { a, b, p, out } = mmSetup(kind, c, transA, transB);
            const tag = `matmul ${kind} ${transA ? "Aᵀ" : "A"}·${transB ? "Bᵀ" : "B"} ${JSON.stringify(c)}`;
            // float32: the native kernel sums in float32 (cpu-js in float64); allow for k terms.
            const atol = kind === "f32" ? 1e-5 * Math.sqrt(c.k + 1) : 1e-12;
            compare(nb, tag, [out], (be, [o]) => be.matmul(a, b, o, p), undefined, atol);
          }
  },
);

ntest("matmul: float32 at 1e-4 relative on large products", (_t, nb) => {
  // Positive operands keep every entry far from 0, so a relative check is meaningful.
  for (const [m, n, k] of [
    [257, 300, 512],
    [768, 128, 384],
  ]) {
    for (const transA of [false, true])
      for (const transB of [false, true]) {
        const a = rand("f32", m * k, 0, 1);
        const b = rand("f32", k * n, 0, 1);
        const p = mm(m, n, k, { transA, transB, lda: transA ? m : k, ldb: transB ? k : n });
        compare(
          nb,
          `matmul f32 ${m}x${n}x${k} ${transA}/${transB}`,
          [alloc("f32", m * n)],
          (be, [o]) => be.matmul(a, b, o, p),
          1e-4,
          0,
        );
      }
  }
});

ntest(
  "each instruction set (portable, AVX2, best) and thread count: matmul, fused, attention and Adam kernels (child processes)",
  (t, _nb) => {
    if (wasmPass) return t.skip("the addon's instruction sets; the wasm module has one (SIMD128)");
    const nativeUrl = new URL("../src/backend/native.js", import.meta.url).href;
    const cpuUrl = new URL("../src/backend/cpu-js.js", import.meta.url).href;
    const fusedUrl = new URL("../src/backend/fused-js.js", import.meta.url).href;
    const script = `
    import { loadNative, nativeInfo } from ${JSON.stringify(nativeUrl)};
    import { cpuJs } from ${JSON.stringify(cpuUrl)};
    import { causalAttentionJs, causalAttentionBackwardJs } from ${JSON.stringify(fusedUrl)};
    const r = loadNative();
    if (!("backend" in r)) { console.log("unavailable: " + r.error); process.exit(3); }
    let s = 7;
    const rnd = () => { s = (s * 1103515245 + 12345) % 2147483648; return s / 2147483648 - 0.5; };
    let worst = 0;
    for (const F of [Float32Array, Float64Array])
      for (const [batch, m, n, k] of [[1, 1, 1, 1], [1, 7, 33, 100], [1, 257, 100, 33], [3, 33, 257, 7], [1, 300, 257, 200], [5, 100, 120, 70], [1, 128, 10, 256], [1, 128, 256, 10], [2, 10, 256, 128], [1, 4000, 13, 64]])
        for (const transA of [false, true])
          for (const transB of [false, true]) {
            const a = F.from({ length: batch * m * k }, rnd), b = F.from({ length: batch * k * n }, rnd);
            const p = { batch, m, n, k, transA, transB, lda: transA ? m : k, ldb: transB ? k : n,
                        aOffset: 0, bOffset: 0, aBatchStride: m * k, bBatchStride: k * n };
            const o1 = new F(batch * m * n), o2 = new F(batch * m * n);
            r.backend.matmul(a, b, o1, p);
            cpuJs.matmul(a, b, o2, p);
            for (let i = 0; i < o1.length; i++) worst = Math.max(worst, Math.abs(o1[i] - o2[i]) / (1 + Math.abs(o2[i])));
          }
    // The float32 fused kernels and transcendental unary ops (compiled once per instruction set).
    const n = 70001, x = Float32Array.from({ length: n }, () => rnd() * 16), g = Float32Array.from({ length: n }, rnd);
    const rel = (a, b) => { for (let i = 0; i < a.length; i++) if (!(Math.abs(a[i] - b[i]) <= 1e-6 + 1e-4 * Math.abs(b[i]))) worst = Math.max(worst, Math.abs(a[i] - b[i]) / (1e-6 + Math.abs(b[i]))) || 1; };
    const both = (f) => { const o1 = f(r.backend), o2 = f(cpuJs); o1.forEach((o, i) => rel(o, o2[i])); };
    for (const op of ["exp", "expm1", "tanh", "sigmoid", "erf"]) both((be) => { const o = new Float32Array(n); be.unary(op, x, o); return [o]; });
    for (const t of [false, true]) {
      both((be) => { const o = new Float32Array(n); be.gelu(x, o, t); return [o]; });
      both((be) => { const o = new Float32Array(n); be.geluBackward(g, x, o, t); return [o]; });
    }
    const rows = 700, cols = 100, tg = Int32Array.from({ length: rows }, (_, i) => (i * 7) % cols);
    both((be) => { const o = new Float32Array(rows * cols); be.softmax(x, o, rows, cols, false); return [o]; });
    both((be) => { const o = new Float32Array(rows * cols); be.softmax(x, o, rows, cols, true); return [o]; });
    both((be) => { const l = new Float32Array(rows), p = new Float32Array(rows * cols); be.crossEntropy(x, tg, l, p, rows, cols, -100); return [l, p]; });
    const w = g.subarray(0, cols), bias = g.subarray(cols, 2 * cols);
    both((be) => { const o = new Float32Array(rows * cols), mu = new Float32Array(rows), rs = new Float32Array(rows); be.layerNorm(x, w, bias, o, mu, rs, rows, cols, 1e-5); return [o, mu, rs]; });
    for (const [B, T, nh, hs] of [[3, 17, 2, 33], [12, 64, 4, 32], [2, 40, 4, 64]]) {
      const C = nh * hs, q = Float32Array.from({ length: B * T * 3 * C }, () => rnd() * 4), dy = Float32Array.from({ length: B * T * C }, rnd);
      const fwd = (be) => { const o = new Float32Array(B * T * C), l = new Float32Array(B * nh * T); be.causalAttention(q, o, l, B, T, nh, hs, 0.3); return [o, l]; };
      const [o, l] = fwd(r.backend);
      rel(o, fwd({ causalAttention: causalAttentionJs })[0]);
      const bwd = (f) => { const d = new Float32Array(q.length); f(q, o, dy, l, d, B, T, nh, hs, 0.3); return d; };
      rel(bwd(r.backend.causalAttentionBackward), bwd(causalAttentionBackwardJs));
    }
    {
      // One Adam step against its formula, at a size that runs on the pool.
      const p = x.slice(), m = g.slice(), v = g.map(Math.abs), vm = v.map((a) => a * 1.5), h = { stepSize: 0.01, bc2Sqrt: 0.3, shrink: 0.99, l2: 0.01, beta1: 0.9, beta2: 0.99, eps: 1e-8, sign: -1 };
      const want = Array.from(p, (pi, i) => { pi *= h.shrink; const gi = -g[i] + h.l2 * pi, mi = 0.9 * m[i] + 0.1 * gi, vi = Math.max(vm[i], 0.99 * v[i] + 0.01 * gi * gi); return pi - (h.stepSize * mi) / (Math.sqrt(vi) / h.bc2Sqrt + h.eps); });
      const adamJs = cpuJs.adamStep;
      cpuJs.adamStep = () => { worst = 1; }; // the native kernel must take this call
      r.backend.adamStep(p, 0, g, 0, m, v, vm, n, h);
      cpuJs.adamStep = adamJs;
      rel(p, want);
    }
    console.log(JSON.stringify({ kernel: nativeInfo().gemmKernel, threads: r.backend.threads, worst }));
  `;
    const runs: [string, string][] = [
      ["generic", "1"],
      ["generic", "3"],
      ["avx2", "1"],
      ["avx2", "2"],
      ["", "3"],
    ];
    for (const [isa, threads] of runs) {
      const res = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
        encoding: "utf8",
        env: { ...process.env, GRADSTACK_ISA: isa, GRADSTACK_NUM_THREADS: threads },
        // A child once hung at exit (Node's platform draining tasks) after printing its result on a
        // machine loaded 4× past its cores: fail with what it printed rather than hang the suite.
        timeout: 300_000,
      });
      assert.equal(
        res.status,
        0,
        `isa=${isa} threads=${threads}: status ${res.status}, signal ${res.signal}: ${res.stdout}${res.stderr}`,
      );
      const r = JSON.parse(res.stdout.trim().split("\n").pop()!) as {
        kernel: string;
        threads: number;
        worst: number;
      };
      t.diagnostic(
        `isa=${isa || "best"} threads=${threads}: ${r.kernel}, worst error ${r.worst.toExponential(2)}`,
      );
      assert.equal(r.threads, Number(threads));
      if (isa === "generic") assert.match(r.kernel, /generic/);
      assert.ok(r.worst < 1e-4, `isa=${isa} threads=${threads}: worst relative error ${r.worst}`);
    }
  },
);
