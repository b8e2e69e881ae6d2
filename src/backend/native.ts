/**
 * `cpu-native`: the C++ kernels of `native/` (a Node-API addon), wrapped into the Backend interface.
 *
 * The addon works in place on the very typed arrays the tensors own (no copies). Numbers travel in
 * a Float64Array registered with the addon once (op codes, shapes, strides, matmul parameters), so
 * a kernel call is one N-API transition. Whenever the addon declines a call (an element kind it
 * lacks, e.g. int32 `exp`, or arguments that would read out of bounds) it returns false and the
 * call goes to `cpu-js`, which works on the same arrays. Native: every Backend kernel for float32
 * and float64 (the fused ones and the GEMM-free paths in float32 only), plus the integer and bool
 * cases of the element kind–agnostic kernels (copy, where, cast, indexing, comparisons, reductions),
 * causal attention (float32; other kinds in its TypeScript reference), the Adam step (float32;
 * `adamStep` returns false otherwise and the optimizer runs its own loop) and the recurrent gate
 * kernels of the fused RNN/LSTM/GRU layers (float32 and float64; only when the addon has them).
 *
 * Environment: GRADSTACK_NUM_THREADS (threads, default the core count), GRADSTACK_ISA=generic|avx2
 * (caps the instruction set, for testing), GRADSTACK_NATIVE_PATH (load the addon from elsewhere).
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { cpuJs } from "./cpu-js.js";
import { causalAttentionBackwardJs, causalAttentionJs } from "./fused-js.js";
import { jsGateKernels } from "./rnn-gates-js.js";
import type {
  AdamParams,
  Backend,
  BinaryOp,
  FloatStorage,
  GateBackwardArgs,
  GateForwardArgs,
  MatmulParams,
  RecurrentGateKernels,
  RecurrentMode,
  ReduceOp,
  Storage,
  UnaryOp,
  View,
} from "./types.js";

/** The functions the compiled addon exports (see native/src/addon.cc). */
interface Addon {
  readonly abi: number;
  readonly threads: number;
  readonly gemmKernel: string;
  setScratch(scratch: Float64Array): boolean;
  unary(x: Storage, out: Storage): boolean;
  binary(a: Storage, b: Storage, out: Storage): boolean;
  where(cond: Storage, a: Storage, b: Storage, out: Storage): boolean;
  copy(src: Storage, dst: Storage): boolean;
  cast(src: Storage, dst: Storage): boolean;
  reduce(x: Storage, out: Storage): boolean;
  argReduce(x: Storage, out: Int32Array): boolean;
  matmul(a: Storage, b: Storage, out: Storage): boolean;
  indexSelect(x: Storage, idx: Int32Array, out: Storage): boolean;
  indexAdd(dst: Storage, idx: Int32Array, src: Storage): boolean;
  gather(x: Storage, idx: Int32Array, out: Storage): boolean;
  scatterAdd(dst: Storage, idx: Int32Array, src: Storage): boolean;
  softmax(x: Storage, out: Storage): boolean;
  layerNorm(
    x: Storage,
    w: Storage | null,
    b: Storage | null,
    out: Storage,
    mean: Storage,
    rstd: Storage,
  ): boolean;
  layerNormBackward(
    g: Storage,
    x: Storage,
    w: Storage | null,
    mean: Storage,
    rstd: Storage,
    dx: Storage,
    dw: Storage | null,
    db: Storage | null,
  ): boolean;
  crossEntropy(logits: Storage, targets: Int32Array, losses: Storage, probs: Storage): boolean;
  gelu(x: Storage, out: Storage): boolean;
  geluBackward(g: Storage, x: Storage, dx: Storage): boolean;
  causalAttention(qkv: Storage, out: Storage, lse: Storage): boolean;
  causalAttentionBackward(qkv: Storage, out: Storage, dout: Storage, lse: Storage, dqkv: Storage): boolean;
  adamStep(p: Storage, g: Storage, m: Storage, v: Storage, vmax: Storage | null): boolean;
  /** Absent from addons built before the recurrent gate kernels (the TypeScript ones run then). */
  readonly recurrentGatesForward?: (
    xp: Storage,
    hh: Storage,
    bx: Storage | null,
    bh: Storage | null,
    h: Storage,
    c: Storage | null,
    act: Storage,
    aux: Storage | null,
    lengths: Int32Array | null,
  ) => boolean;
  readonly recurrentGatesBackward?: (
    act: Storage,
    aux: Storage | null,
    h: Storage,
    c: Storage | null,
    dh: Storage,
    dc: Storage | null,
    dxp: Storage,
    dhh: Storage,
    dhPrev: Storage,
    dcPrev: Storage | null,
    lengths: Int32Array | null,
  ) => boolean;
}

const ADDON_ABI = 3;

// Op codes: the order of the enums in native/src/ops.h.
const UNARY_CODE: Record<UnaryOp, number> = {
  neg: 0,
  exp: 1,
  log: 2,
  sqrt: 3,
  rsqrt: 4,
  tanh: 5,
  sigmoid: 6,
  relu: 7,
  abs: 8,
  sin: 9,
  cos: 10,
  erf: 11,
  log1p: 12,
  expm1: 13,
  reciprocal: 14,
  sign: 15,
  floor: 16,
  ceil: 17,
  round: 18,
  not: 19,
};
const BINARY_CODE: Record<BinaryOp, number> = {
  add: 0,
  sub: 1,
  mul: 2,
  div: 3,
  pow: 4,
  maximum: 5,
  minimum: 6,
  eq: 7,
  ne: 8,
  lt: 9,
  le: 10,
  gt: 11,
  ge: 12,
  and: 13,
  or: 14,
};
const REDUCE_CODE: Record<ReduceOp, number> = { sum: 0, max: 1, min: 2, prod: 3 };
// The order of the modes in native/src/rnn.cc.
const RECURRENT_CODE: Record<RecurrentMode, number> = { rnn_tanh: 0, rnn_relu: 1, lstm: 2, gru: 3 };

export type NativeBackend = Partial<Backend> & { name: "cpu-native"; threads: number };

/** Where the addon was loaded from and which GEMM micro-kernels it picked for this CPU. */
export interface NativeInfo {
  path: string;
  threads: number;
  gemmKernel: string;
}

let cached: { backend: NativeBackend; info: NativeInfo } | { error: string } | undefined;

/** Loads the addon (once) and returns its kernels, or why it cannot load. Never throws. */
export function loadNative(): { backend: NativeBackend } | { error: string } {
  if (cached === undefined) {
    try {
      cached = load();
    } catch (e) {
      cached = { error: e instanceof Error ? e.message : String(e) };
    }
  }
  return "error" in cached ? { error: cached.error } : { backend: cached.backend };
}

/** Details of the loaded addon, or null when it did not load. */
export function nativeInfo(): NativeInfo | null {
  loadNative();
  return cached !== undefined && "info" in cached ? cached.info : null;
}

/** The folder holding gradstack's package.json: compiled files live in dist/backend/ or build/src/backend/. */
function packageRoot(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, "utf8")) as { name?: string }).name === "gradstack") return dir;
      } catch {
        // not ours; keep looking
      }
    }
    const up = dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

function load(): { backend: NativeBackend; info: NativeInfo } | { error: string } {
  if (typeof process === "undefined" || !process.versions?.node) return { error: "not running in Node.js" };
  if (!import.meta.url.startsWith("file:"))
    return { error: `cannot locate the addon from ${import.meta.url}` };
  const candidates: string[] = [];
  const override = process.env.GRADSTACK_NATIVE_PATH;
  if (override) candidates.push(override);
  const root = packageRoot();
  if (root !== null) {
    candidates.push(join(root, "native", "build", "Release", "gradstack_native.node"));
    candidates.push(join(root, "native", "build", "Debug", "gradstack_native.node"));
  }
  const path = candidates.find((p) => existsSync(p));
  if (path === undefined)
    return {
      error:
        root === null
          ? "cannot find gradstack's package.json to locate the addon"
          : `the addon is not built (no ${candidates[candidates.length - 2]}; run \`node scripts/build-native.mjs\`)`,
    };
  const require = createRequire(import.meta.url);
  let addon: Addon;
  try {
    addon = require(path) as Addon;
  } catch (e) {
    return { error: `cannot load ${path}: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}` };
  }
  if (addon.abi !== ADDON_ABI)
    return { error: `${path} is a different build (abi ${addon.abi}, want ${ADDON_ABI})` };
  const backend = wrap(addon);
  if (backend === null) return { error: `${path} rejected its scratch buffer` };
  return { backend, info: { path, threads: addon.threads, gemmKernel: addon.gemmKernel } };
}

function wrap(addon: Addon): (Backend & { name: "cpu-native" }) | null {
  // Over 64 bytes, so V8 allocates it off-heap and its address never moves.
  const S = new Float64Array(1024);
  if (!addon.setScratch(S)) return null;
  const gates = recurrentGates(addon, S);
  const MAX_DIMS = 64;

  /** Writes nd, shape, then offset and strides of each view from S[at]; false if too many dims. */
  function views(at: number, shape: readonly number[], v0: View, v1: View, v2?: View): boolean {
    const nd = shape.length;
    if (nd > MAX_DIMS) return false;
    let i = at;
    S[i++] = nd;
    for (let d = 0; d < nd; d++) S[i++] = shape[d];
    S[i++] = v0.offset;
    let s = v0.strides;
    for (let d = 0; d < nd; d++) S[i++] = s[d];
    S[i++] = v1.offset;
    s = v1.strides;
    for (let d = 0; d < nd; d++) S[i++] = s[d];
    if (v2 !== undefined) {
      S[i++] = v2.offset;
      s = v2.strides;
      for (let d = 0; d < nd; d++) S[i++] = s[d];
    }
    return true;
  }

  return {
    ...cpuJs, // any kernel the addon does not have runs in TypeScript on the same arrays
    name: "cpu-native",
    threads: addon.threads,

    unary(op: UnaryOp, x: Storage, out: Storage): void {
      S[0] = UNARY_CODE[op] ?? -1;
      if (!addon.unary(x, out)) cpuJs.unary(op, x, out);
    },

    binary(op: BinaryOp, a: View, b: View, out: Storage, shape: readonly number[]): void {
      S[0] = BINARY_CODE[op] ?? -1;
      if (!views(1, shape, a, b) || !addon.binary(a.data, b.data, out)) cpuJs.binary(op, a, b, out, shape);
    },

    where(cond: View, a: View, b: View, out: Storage, shape: readonly number[]): void {
      if (!views(0, shape, cond, a, b) || !addon.where(cond.data, a.data, b.data, out))
        cpuJs.where(cond, a, b, out, shape);
    },

    copy(src: View, dst: View, shape: readonly number[]): void {
      if (!views(0, shape, src, dst) || !addon.copy(src.data, dst.data)) cpuJs.copy(src, dst, shape);
    },

    cast(src: Storage, dst: Storage): void {
      if (!addon.cast(src, dst)) cpuJs.cast(src, dst);
    },

    reduce(op: ReduceOp, x: Storage, out: Storage, outer: number, size: number, inner: number): void {
      S[0] = REDUCE_CODE[op] ?? -1;
      S[1] = outer;
      S[2] = size;
      S[3] = inner;
      if (!addon.reduce(x, out)) cpuJs.reduce(op, x, out, outer, size, inner);
    },

    argReduce(
      op: "argmax" | "argmin",
      x: Storage,
      out: Int32Array,
      outer: number,
      size: number,
      inner: number,
    ): void {
      S[0] = op === "argmax" ? 0 : op === "argmin" ? 1 : -1;
      S[1] = outer;
      S[2] = size;
      S[3] = inner;
      if (!addon.argReduce(x, out)) cpuJs.argReduce(op, x, out, outer, size, inner);
    },

    matmul(a: Storage, b: Storage, out: Storage, p: MatmulParams): void {
      S[0] = p.batch;
      S[1] = p.m;
      S[2] = p.n;
      S[3] = p.k;
      S[4] = p.transA ? 1 : 0;
      S[5] = p.transB ? 1 : 0;
      S[6] = p.lda;
      S[7] = p.ldb;
      S[8] = p.aOffset;
      S[9] = p.bOffset;
      S[10] = p.aBatchStride;
      S[11] = p.bBatchStride;
      if (!addon.matmul(a, b, out)) cpuJs.matmul(a, b, out, p);
    },

    indexSelect(x: Storage, idx: Int32Array, out: Storage, outer: number, size: number, inner: number): void {
      S[0] = outer;
      S[1] = size;
      S[2] = inner;
      if (!addon.indexSelect(x, idx, out)) cpuJs.indexSelect(x, idx, out, outer, size, inner);
    },

    indexAdd(dst: Storage, idx: Int32Array, src: Storage, outer: number, size: number, inner: number): void {
      S[0] = outer;
      S[1] = size;
      S[2] = inner;
      if (!addon.indexAdd(dst, idx, src)) cpuJs.indexAdd(dst, idx, src, outer, size, inner);
    },

    gather(
      x: Storage,
      idx: Int32Array,
      out: Storage,
      outer: number,
      size: number,
      m: number,
      inner: number,
    ): void {
      S[0] = outer;
      S[1] = size;
      S[2] = m;
      S[3] = inner;
      if (!addon.gather(x, idx, out)) cpuJs.gather(x, idx, out, outer, size, m, inner);
    },

    scatterAdd(
      dst: Storage,
      idx: Int32Array,
      src: Storage,
      outer: number,
      size: number,
      m: number,
      inner: number,
    ): void {
      S[0] = outer;
      S[1] = size;
      S[2] = m;
      S[3] = inner;
      if (!addon.scatterAdd(dst, idx, src)) cpuJs.scatterAdd(dst, idx, src, outer, size, m, inner);
    },

    // Fused kernels: float32 natively, float64 (gradcheck) in cpu-js.
    softmax(x: Storage, out: Storage, rows: number, cols: number, log: boolean): void {
      S[0] = rows;
      S[1] = cols;
      S[2] = log ? 1 : 0;
      if (!addon.softmax(x, out)) cpuJs.softmax(x, out, rows, cols, log);
    },

    layerNorm(
      x: Storage,
      weight: Storage | null,
      bias: Storage | null,
      out: Storage,
      mean: Storage,
      rstd: Storage,
      rows: number,
      cols: number,
      eps: number,
    ): void {
      S[0] = rows;
      S[1] = cols;
      S[2] = eps;
      if (!addon.layerNorm(x, weight, bias, out, mean, rstd))
        cpuJs.layerNorm(x, weight, bias, out, mean, rstd, rows, cols, eps);
    },

    layerNormBackward(
      g: Storage,
      x: Storage,
      weight: Storage | null,
      mean: Storage,
      rstd: Storage,
      dx: Storage,
      dw: Storage | null,
      db: Storage | null,
      rows: number,
      cols: number,
    ): void {
      S[0] = rows;
      S[1] = cols;
      if (!addon.layerNormBackward(g, x, weight, mean, rstd, dx, dw, db))
        cpuJs.layerNormBackward(g, x, weight, mean, rstd, dx, dw, db, rows, cols);
    },

    crossEntropy(
      logits: Storage,
      targets: Int32Array,
      losses: Storage,
      probs: Storage,
      rows: number,
      cols: number,
      ignoreIndex: number,
    ): void {
      S[0] = rows;
      S[1] = cols;
      S[2] = ignoreIndex;
      if (!addon.crossEntropy(logits, targets, losses, probs))
        cpuJs.crossEntropy(logits, targets, losses, probs, rows, cols, ignoreIndex);
    },

    gelu(x: Storage, out: Storage, approximateTanh: boolean): void {
      S[0] = approximateTanh ? 1 : 0;
      if (!addon.gelu(x, out)) cpuJs.gelu(x, out, approximateTanh);
    },

    geluBackward(g: Storage, x: Storage, dx: Storage, approximateTanh: boolean): void {
      S[0] = approximateTanh ? 1 : 0;
      if (!addon.geluBackward(g, x, dx)) cpuJs.geluBackward(g, x, dx, approximateTanh);
    },

    // Attention: float32 natively; anything else (float64 for gradcheck) in the TypeScript reference,
    // since the op has no other fallback once hasFusedAttention() chose it.
    causalAttention(
      qkv: Storage,
      out: Storage,
      lse: Storage,
      B: number,
      T: number,
      nh: number,
      hs: number,
      scale: number,
    ): void {
      S[0] = B;
      S[1] = T;
      S[2] = nh;
      S[3] = hs;
      S[4] = scale;
      if (!addon.causalAttention(qkv, out, lse)) causalAttentionJs(qkv, out, lse, B, T, nh, hs, scale);
    },

    causalAttentionBackward(
      qkv: Storage,
      out: Storage,
      dout: Storage,
      lse: Storage,
      dqkv: Storage,
      B: number,
      T: number,
      nh: number,
      hs: number,
      scale: number,
    ): void {
      S[0] = B;
      S[1] = T;
      S[2] = nh;
      S[3] = hs;
      S[4] = scale;
      if (!addon.causalAttentionBackward(qkv, out, dout, lse, dqkv))
        causalAttentionBackwardJs(qkv, out, dout, lse, dqkv, B, T, nh, hs, scale);
    },

    adamStep(
      p: FloatStorage,
      pOffset: number,
      g: ArrayLike<number>,
      gOffset: number,
      m: FloatStorage,
      v: FloatStorage,
      vmax: FloatStorage | null,
      n: number,
      h: AdamParams,
    ): boolean {
      if (!(g instanceof Float32Array)) return false;
      S[0] = n;
      S[1] = pOffset;
      S[2] = gOffset;
      S[3] = h.stepSize;
      S[4] = h.bc2Sqrt;
      S[5] = h.shrink;
      S[6] = h.l2;
      S[7] = h.beta1;
      S[8] = h.beta2;
      S[9] = h.eps;
      S[10] = h.sign;
      return addon.adamStep(p, g, m, v, vmax);
    },

    ...gates,
  };
}

/**
 * The recurrent gate kernels, when the addon has them (an older build does not: the layers then run
 * the TypeScript ones). Called once per time step, so the numbers go through the scratch and the
 * storages as plain arguments; a declined call (e.g. overlapping outputs) runs the TypeScript kernel.
 */
function recurrentGates(addon: Addon, S: Float64Array): Partial<RecurrentGateKernels> {
  const fwd = addon.recurrentGatesForward;
  const bwd = addon.recurrentGatesBackward;
  if (typeof fwd !== "function" || typeof bwd !== "function") return {};
  return {
    recurrentGatesForward(mode: RecurrentMode, a: GateForwardArgs): void {
      S[0] = RECURRENT_CODE[mode] ?? -1;
      S[1] = a.B;
      S[2] = a.H;
      S[3] = a.t;
      S[4] = a.xpOff;
      S[5] = a.hPrev;
      S[6] = a.hOut;
      S[7] = a.cPrev;
      S[8] = a.cOut;
      S[9] = a.actOff;
      S[10] = a.auxOff;
      if (!fwd(a.xp, a.hh, a.bx, a.bh, a.h, a.c, a.act, a.aux, a.lengths))
        jsGateKernels.recurrentGatesForward(mode, a);
    },
    recurrentGatesBackward(mode: RecurrentMode, a: GateBackwardArgs): void {
      S[0] = RECURRENT_CODE[mode] ?? -1;
      S[1] = a.B;
      S[2] = a.H;
      S[3] = a.t;
      S[4] = a.actOff;
      S[5] = a.auxOff;
      S[6] = a.hPrev;
      S[7] = a.hOut;
      S[8] = a.cPrev;
      S[9] = a.dxpOff;
      S[10] = a.dhhOff;
      if (!bwd(a.act, a.aux, a.h, a.c, a.dh, a.dc, a.dxp, a.dhh, a.dhPrev, a.dcPrev, a.lengths))
        jsGateKernels.recurrentGatesBackward(mode, a);
    },
  };
}
