/**
 * `cpu-js`: the reference backend, in TypeScript on typed arrays. It runs anywhere (Node, browsers,
 * workers) and supports every dtype, float64 included, so gradcheck can run in double precision.
 */
import type { Backend, BinaryOp, MatmulParams, ReduceOp, Storage, UnaryOp, View } from "./types.js";
import { matmulJs } from "./matmul-js.js";
import { erf } from "./special.js";
import { fusedJs } from "./fused-js.js";
import { jsGateKernels } from "./rnn-gates-js.js";
import { stepwiseSequenceKernels } from "./rnn-sequence-js.js";
import { adamStep, adamSteps } from "./adam-js.js";
import { clipJs } from "./clip-js.js";
import { randomJs } from "./random-js.js";
import { hostStorage } from "./host-storage.js";

type Fn1 = (x: number) => number;
type Fn2 = (x: number, y: number) => number;

/** Round half to even, as PyTorch's round(). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const UNARY: Record<UnaryOp, Fn1> = {
  neg: (x) => -x,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  rsqrt: (x) => 1 / Math.sqrt(x),
  tanh: Math.tanh,
  sigmoid: (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))),
  relu: (x) => (x > 0 ? x : 0),
  abs: Math.abs,
  sin: Math.sin,
  cos: Math.cos,
  erf,
  log1p: Math.log1p,
  expm1: Math.expm1,
  reciprocal: (x) => 1 / x,
  sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : 0),
  floor: Math.floor,
  ceil: Math.ceil,
  round: roundHalfEven,
  not: (x) => (x ? 0 : 1),
};

const BINARY: Record<BinaryOp, Fn2> = {
  add: (x, y) => x + y,
  sub: (x, y) => x - y,
  mul: (x, y) => x * y,
  div: (x, y) => x / y,
  pow: Math.pow,
  maximum: (x, y) => (x > y || x !== x ? x : y),
  minimum: (x, y) => (x < y || x !== x ? x : y),
  eq: (x, y) => (x === y ? 1 : 0),
  ne: (x, y) => (x !== y ? 1 : 0),
  lt: (x, y) => (x < y ? 1 : 0),
  le: (x, y) => (x <= y ? 1 : 0),
  gt: (x, y) => (x > y ? 1 : 0),
  ge: (x, y) => (x >= y ? 1 : 0),
  and: (x, y) => (x && y ? 1 : 0),
  or: (x, y) => (x || y ? 1 : 0),
};

/** Merge adjacent dims that are contiguous for every view, so the loops below run over few, long dims. */
export function collapse(
  shape: readonly number[],
  views: readonly (readonly number[])[],
): [number[], number[][]] {
  const outShape: number[] = [];
  const outStrides: number[][] = views.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && views.every((s, v) => outStrides[v][last] === s[d] * shape[d])) {
      outShape[last] *= shape[d];
      views.forEach((s, v) => (outStrides[v][last] = s[d]));
    } else {
      outShape.push(shape[d]);
      views.forEach((s, v) => outStrides[v].push(s[d]));
    }
  }
  if (outShape.length === 0) {
    outShape.push(1);
    outStrides.forEach((s) => s.push(0));
  }
  return [outShape, outStrides];
}

/**
 * Calls `inner(offsets, n, innerStrides)` once per run of the innermost dim, with the starting offset
 * of each view. The output is written contiguously by the caller.
 */
function forEachRun(
  shape: readonly number[],
  views: readonly View[],
  inner: (offsets: number[], n: number, strides: number[]) => void,
): void {
  const [cs, cstrides] = collapse(
    shape,
    views.map((v) => v.strides),
  );
  const nd = cs.length;
  const n = cs[nd - 1];
  const innerStrides = cstrides.map((s) => s[nd - 1]);
  const idx = new Array<number>(nd - 1).fill(0);
  const offsets = views.map((v) => v.offset);
  let runs = 1;
  for (let d = 0; d < nd - 1; d++) runs *= cs[d];
  for (let r = 0; r < runs; r++) {
    inner(offsets, n, innerStrides);
    for (let d = nd - 2; d >= 0; d--) {
      idx[d]++;
      for (let v = 0; v < views.length; v++) offsets[v] += cstrides[v][d];
      if (idx[d] < cs[d]) break;
      for (let v = 0; v < views.length; v++) offsets[v] -= cstrides[v][d] * cs[d];
      idx[d] = 0;
    }
  }
}

function binary(op: BinaryOp, a: View, b: View, out: Storage, shape: readonly number[]): void {
  const f = BINARY[op];
  const A = a.data;
  const B = b.data;
  let o = 0;
  forEachRun(shape, [a, b], ([ia, ib], n, [sa, sb]) => {
    if (sa === 1 && sb === 1) {
      // The common contiguous case, with the hottest ops spelled out so V8 does not call through f.
      if (op === "add") for (let i = 0; i < n; i++) out[o++] = A[ia + i] + B[ib + i];
      else if (op === "mul") for (let i = 0; i < n; i++) out[o++] = A[ia + i] * B[ib + i];
      else if (op === "sub") for (let i = 0; i < n; i++) out[o++] = A[ia + i] - B[ib + i];
      else for (let i = 0; i < n; i++) out[o++] = f(A[ia + i], B[ib + i]);
    } else {
      for (let i = 0; i < n; i++, ia += sa, ib += sb) out[o++] = f(A[ia], B[ib]);
    }
  });
}

function unary(op: UnaryOp, x: Storage, out: Storage): void {
  const f = UNARY[op];
  const n = x.length;
  if (op === "neg") for (let i = 0; i < n; i++) out[i] = -x[i];
  else for (let i = 0; i < n; i++) out[i] = f(x[i]);
}

function where(cond: View, a: View, b: View, out: Storage, shape: readonly number[]): void {
  const C = cond.data;
  const A = a.data;
  const B = b.data;
  let o = 0;
  forEachRun(shape, [cond, a, b], ([ic, ia, ib], n, [sc, sa, sb]) => {
    for (let i = 0; i < n; i++, ic += sc, ia += sa, ib += sb) out[o++] = C[ic] ? A[ia] : B[ib];
  });
}

function copy(src: View, dst: View, shape: readonly number[]): void {
  const S = src.data;
  const D = dst.data;
  forEachRun(shape, [src, dst], ([is, id], n, [ss, sd]) => {
    if (ss === 1 && sd === 1) D.set(S.subarray(is, is + n), id);
    else for (let i = 0; i < n; i++, is += ss, id += sd) D[id] = S[is];
  });
}

function cast(src: Storage, dst: Storage): void {
  const n = src.length;
  if (dst instanceof Uint8Array) for (let i = 0; i < n; i++) dst[i] = src[i] !== 0 ? 1 : 0;
  else if (dst instanceof Int32Array) for (let i = 0; i < n; i++) dst[i] = Math.trunc(src[i]);
  else dst.set(src);
}

function reduce(op: ReduceOp, x: Storage, out: Storage, outer: number, size: number, inner: number): void {
  const init = op === "sum" ? 0 : op === "prod" ? 1 : op === "max" ? -Infinity : Infinity;
  // Accumulate in float64 (a Float64Array row) so sums of float32 data keep precision.
  const acc = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    acc.fill(init);
    const base = o * size * inner;
    for (let r = 0; r < size; r++) {
      const row = base + r * inner;
      if (op === "sum") for (let i = 0; i < inner; i++) acc[i] += x[row + i];
      else if (op === "prod") for (let i = 0; i < inner; i++) acc[i] *= x[row + i];
      else if (op === "max")
        for (let i = 0; i < inner; i++) {
          const v = x[row + i];
          if (v > acc[i] || v !== v) acc[i] = v;
        }
      else
        for (let i = 0; i < inner; i++) {
          const v = x[row + i];
          if (v < acc[i] || v !== v) acc[i] = v;
        }
    }
    out.set(acc, o * inner);
  }
}

function argReduce(
  op: "argmax" | "argmin",
  x: Storage,
  out: Int32Array,
  outer: number,
  size: number,
  inner: number,
): void {
  const sign = op === "argmax" ? 1 : -1;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * size * inner + i;
      let best = 0;
      let bestV = sign * x[base];
      for (let r = 1; r < size && bestV === bestV; r++) {
        const v = sign * x[base + r * inner];
        if (v > bestV || v !== v) {
          best = r;
          bestV = v;
        }
      }
      out[o * inner + i] = best;
    }
  }
}

function indexSelect(x: Storage, idx: Int32Array, out: Storage, outer: number, size: number, inner: number) {
  const m = idx.length;
  for (let o = 0; o < outer; o++)
    for (let j = 0; j < m; j++) {
      const src = (o * size + idx[j]) * inner;
      out.set(x.subarray(src, src + inner), (o * m + j) * inner);
    }
}

function indexAdd(dst: Storage, idx: Int32Array, src: Storage, outer: number, size: number, inner: number) {
  const m = idx.length;
  for (let o = 0; o < outer; o++)
    for (let j = 0; j < m; j++) {
      const d = (o * size + idx[j]) * inner;
      const s = (o * m + j) * inner;
      for (let i = 0; i < inner; i++) dst[d + i] += src[s + i];
    }
}

function gather(
  x: Storage,
  idx: Int32Array,
  out: Storage,
  outer: number,
  size: number,
  m: number,
  inner: number,
) {
  for (let o = 0; o < outer; o++)
    for (let j = 0; j < m; j++)
      for (let i = 0; i < inner; i++) {
        const k = (o * m + j) * inner + i;
        out[k] = x[(o * size + idx[k]) * inner + i];
      }
}

function scatterAdd(
  dst: Storage,
  idx: Int32Array,
  src: Storage,
  outer: number,
  size: number,
  m: number,
  inner: number,
) {
  for (let o = 0; o < outer; o++)
    for (let j = 0; j < m; j++)
      for (let i = 0; i < inner; i++) {
        const k = (o * m + j) * inner + i;
        dst[(o * size + idx[k]) * inner + i] += src[k];
      }
}

export const cpuJs: Backend = {
  name: "cpu-js",
  threads: 1,
  isa: "js",
  nativeKernels: [],
  preferComposition: ["causalAttention"],
  ...hostStorage,
  unary,
  binary,
  where,
  copy,
  cast,
  reduce,
  argReduce,
  matmul: (a: Storage, b: Storage, out: Storage, p: MatmulParams) => matmulJs(a, b, out, p),
  indexSelect,
  indexAdd,
  gather,
  scatterAdd,
  ...fusedJs,
  ...jsGateKernels,
  ...stepwiseSequenceKernels(() => cpuJs),
  adamStep,
  ...randomJs,
  adamSteps,
  ...clipJs,
};
