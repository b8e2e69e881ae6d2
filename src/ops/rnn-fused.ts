/**
 * Fused recurrent layers: one op runs a whole sequence through one direction of an RNN (tanh or ReLU),
 * LSTM or GRU layer, the way cuDNN does. The caller computes the input projection x·W_ihᵀ for all time
 * steps as one GEMM; the op then does, per step, only the recurrent GEMM h·W_hhᵀ and the gate
 * nonlinearities (one pass over typed arrays, which saves the gate activations). Backward walks the steps
 * in reverse with one recurrent GEMM each, keeps every step's gate gradients, and forms dW_hh as ONE GEMM
 * over all steps (instead of T small ones and T accumulations), and the bias gradients as one column sum.
 *
 * The definition and the reference is the per-step composition `recurrentLayerComposed` below; a test
 * checks fused == composed, forward and backward, and gradchecks the fused op in float64.
 *
 * The per-step gate loops are isolated functions (`RecurrentGateKernels`) on raw storages and offsets.
 * A backend that offers `recurrentGatesForward` / `recurrentGatesBackward` with the same signature
 * replaces the TypeScript ones with no other change.
 */
import { kernels, type MatmulParams } from "../backend/index.js";
import { Tensor } from "../tensor/tensor.js";
import { allocStorage } from "../tensor/dtype.js";
import { fmtShape } from "../tensor/shape.js";
import { defineOp } from "./define.js";
import { isGradEnabled } from "../autograd/grad-mode.js";
import { contiguous } from "./movement.js";
import { stack } from "./indexing.js";
import { matmul } from "./matmul.js";

export type RecurrentMode = "rnn_tanh" | "rnn_relu" | "lstm" | "gru";

/** Gate blocks per mode: W_ih and W_hh have gates·H rows (LSTM i,f,g,o; GRU r,z,n). */
export const GATES: Record<RecurrentMode, number> = { rnn_tanh: 1, rnn_relu: 1, lstm: 4, gru: 3 };

type Float = Float32Array | Float64Array;

// ---- gate kernels: one time step on contiguous (B, ·) blocks ---------------------------------------

/** One forward step. Rows b with t >= lengths[b] are padding: they carry the previous state unchanged. */
export interface GateForwardArgs {
  B: number;
  H: number;
  t: number;
  lengths: Int32Array | null;
  /** (B, G·H) at xpOff: x_t·W_ihᵀ. */
  xp: Float;
  xpOff: number;
  /** (B, G·H) at 0: h_{t-1}·W_hhᵀ. */
  hh: Float;
  /** (G·H) biases b_ih and b_hh, or null. */
  bx: Float | null;
  bh: Float | null;
  /** Hidden states: h_{t-1} is read at hPrev, h_t written at hOut. */
  h: Float;
  hPrev: number;
  hOut: number;
  /** LSTM cell states, likewise. */
  c: Float | null;
  cPrev: number;
  cOut: number;
  /**
   * (B, G·H) at actOff: the gate activations, saved for backward (LSTM and GRU). It may be the same
   * memory as xp: a kernel reads an element's pre-activations before it writes its activations.
   */
  act: Float;
  actOff: number;
  /** (B, H) at auxOff: LSTM tanh(c_t); GRU W_hn·h_{t-1} + b_hn. */
  aux: Float | null;
  auxOff: number;
}

/** One backward step, given the total gradients dh (and dc) of the step's new state. */
export interface GateBackwardArgs {
  B: number;
  H: number;
  t: number;
  lengths: Int32Array | null;
  act: Float;
  actOff: number;
  aux: Float | null;
  auxOff: number;
  h: Float;
  hPrev: number;
  hOut: number;
  c: Float | null;
  cPrev: number;
  /** (B, H): dL/dh_t, and dL/dc_t for the LSTM. */
  dh: Float;
  dc: Float | null;
  /** Written, (B, G·H) at dxpOff: dL/d(x_t·W_ihᵀ + b_ih). It may be the same memory as act (read first). */
  dxp: Float;
  dxpOff: number;
  /** Written, (B, G·H) at dhhOff: dL/d(h_{t-1}·W_hhᵀ + b_hh); the same array as dxp except for the GRU. */
  dhh: Float;
  dhhOff: number;
  /** Written, (B, H): the part of dL/dh_{t-1} that does not pass through W_hh. */
  dhPrev: Float;
  /** Written, (B, H): dL/dc_{t-1} (LSTM). */
  dcPrev: Float | null;
}

export interface RecurrentGateKernels {
  recurrentGatesForward(mode: RecurrentMode, a: GateForwardArgs): void;
  recurrentGatesBackward(mode: RecurrentMode, a: GateBackwardArgs): void;
}

// exp by table and polynomial: about twice as fast as Math.exp in V8, which matters because the gates
// are most of the non-GEMM time. n = round(x·32/ln2); exp(x) = 2^(n>>5) · 2^((n&31)/32) · e^r, with
// |r| <= ln2/64. EXP64 keeps float64 accuracy (relative error < 1e-15); EXP32 is for float32 storage
// (relative error < 1e-9, far below float32's 6e-8).
const POW2 = Float64Array.from({ length: 2200 }, (_, k) => 2 ** (k - 1100));
const POW2_32THS = Float64Array.from({ length: 32 }, (_, j) => 2 ** (j / 32));
const ROUND = 6755399441055744.0; // 1.5·2^52: adding and subtracting it rounds to an integer
const INV_LN2_32 = 32 / Math.LN2;
const LN2_32_HI = 0.69314718036912381649 / 32;
const LN2_32_LO = 1.90821492927058770002e-10 / 32;

function exp64(x: number): number {
  const w = x < -745 ? -745 : x > 709.78 ? 709.78 : x;
  const nf = w * INV_LN2_32 + ROUND - ROUND;
  const n = nf | 0;
  const r = w - nf * LN2_32_HI - nf * LN2_32_LO;
  const p = 1 + r * (1 + r * (1 / 2 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120 + r * (1 / 720))))));
  return POW2[(n >> 5) + 1100] * POW2_32THS[n & 31] * p;
}

function exp32(x: number): number {
  const w = x < -104 ? -104 : x > 89 ? 89 : x;
  const nf = w * INV_LN2_32 + ROUND - ROUND;
  const n = nf | 0;
  const r = w - nf * (Math.LN2 / 32);
  const p = 1 + r * (1 + r * (1 / 2 + r * (1 / 6)));
  return POW2[(n >> 5) + 1100] * POW2_32THS[n & 31] * p;
}

const sigmoid64 = (x: number) => 1 / (1 + exp64(-x));
const sigmoid32 = (x: number) => 1 / (1 + exp32(-x));
// tanh(x) = 1 - 2/(1 + e^{2x}): exact at ±∞, absolute error ~1e-16 near 0.
const tanh64 = (x: number) => 1 - 2 / (1 + exp64(2 * x));
const tanh32 = (x: number) => 1 - 2 / (1 + exp32(2 * x));

const padded = (lengths: Int32Array | null, t: number, b: number) => lengths !== null && t >= lengths[b];

function rnnForward(a: GateForwardArgs, relu: boolean): void {
  const { B, H, xp, hh, bx, bh, h } = a;
  const tanh = h instanceof Float64Array ? tanh64 : tanh32;
  for (let b = 0; b < B; b++) {
    const hp = a.hPrev + b * H;
    const ho = a.hOut + b * H;
    if (padded(a.lengths, a.t, b)) {
      for (let j = 0; j < H; j++) h[ho + j] = h[hp + j];
      continue;
    }
    const x0 = a.xpOff + b * H;
    const q0 = b * H;
    for (let j = 0; j < H; j++) {
      const pre = xp[x0 + j] + hh[q0 + j] + (bx ? bx[j] : 0) + (bh ? bh[j] : 0);
      h[ho + j] = relu ? (pre > 0 ? pre : 0) : tanh(pre);
    }
  }
}

function rnnBackward(a: GateBackwardArgs, relu: boolean): void {
  const { B, H, h, dh, dxp, dhPrev } = a;
  for (let b = 0; b < B; b++) {
    const k0 = b * H;
    const d0 = a.dxpOff + b * H;
    if (padded(a.lengths, a.t, b)) {
      for (let j = 0; j < H; j++) {
        dhPrev[k0 + j] = dh[k0 + j];
        dxp[d0 + j] = 0;
      }
      continue;
    }
    const ho = a.hOut + b * H;
    for (let j = 0; j < H; j++) {
      const y = h[ho + j];
      dxp[d0 + j] = dh[k0 + j] * (relu ? (y > 0 ? 1 : 0) : 1 - y * y);
      dhPrev[k0 + j] = 0;
    }
  }
}

function lstmForward(a: GateForwardArgs): void {
  const { B, H, xp, hh, bx, bh, h, act } = a;
  const c = a.c!;
  const tc = a.aux!;
  const G = 4 * H;
  const f64 = h instanceof Float64Array;
  const sigmoid = f64 ? sigmoid64 : sigmoid32;
  const tanh = f64 ? tanh64 : tanh32;
  for (let b = 0; b < B; b++) {
    const hp = a.hPrev + b * H;
    const ho = a.hOut + b * H;
    const cp = a.cPrev + b * H;
    const co = a.cOut + b * H;
    if (padded(a.lengths, a.t, b)) {
      for (let j = 0; j < H; j++) {
        h[ho + j] = h[hp + j];
        c[co + j] = c[cp + j];
      }
      continue;
    }
    const x0 = a.xpOff + b * G;
    const q0 = b * G;
    const a0 = a.actOff + b * G;
    const t0 = a.auxOff + b * H;
    for (let j = 0; j < H; j++) {
      let pi = xp[x0 + j] + hh[q0 + j];
      let pf = xp[x0 + H + j] + hh[q0 + H + j];
      let pg = xp[x0 + 2 * H + j] + hh[q0 + 2 * H + j];
      let po = xp[x0 + 3 * H + j] + hh[q0 + 3 * H + j];
      if (bx && bh) {
        pi += bx[j] + bh[j];
        pf += bx[H + j] + bh[H + j];
        pg += bx[2 * H + j] + bh[2 * H + j];
        po += bx[3 * H + j] + bh[3 * H + j];
      }
      const i = sigmoid(pi);
      const f = sigmoid(pf);
      const g = tanh(pg);
      const o = sigmoid(po);
      const cn = f * c[cp + j] + i * g;
      const tcn = tanh(cn);
      c[co + j] = cn;
      tc[t0 + j] = tcn;
      h[ho + j] = o * tcn;
      act[a0 + j] = i;
      act[a0 + H + j] = f;
      act[a0 + 2 * H + j] = g;
      act[a0 + 3 * H + j] = o;
    }
  }
}

function lstmBackward(a: GateBackwardArgs): void {
  const { B, H, act, dh, dxp, dhPrev } = a;
  const c = a.c!;
  const tc = a.aux!;
  const dc = a.dc!;
  const dcPrev = a.dcPrev!;
  const G = 4 * H;
  for (let b = 0; b < B; b++) {
    const k0 = b * H;
    const d0 = a.dxpOff + b * G;
    if (padded(a.lengths, a.t, b)) {
      for (let j = 0; j < H; j++) {
        dhPrev[k0 + j] = dh[k0 + j];
        dcPrev[k0 + j] = dc[k0 + j];
      }
      dxp.fill(0, d0, d0 + G);
      continue;
    }
    const a0 = a.actOff + b * G;
    const t0 = a.auxOff + b * H;
    const cp = a.cPrev + b * H;
    for (let j = 0; j < H; j++) {
      const i = act[a0 + j];
      const f = act[a0 + H + j];
      const g = act[a0 + 2 * H + j];
      const o = act[a0 + 3 * H + j];
      const tcn = tc[t0 + j];
      const dhj = dh[k0 + j];
      const dcj = dc[k0 + j] + dhj * o * (1 - tcn * tcn);
      dxp[d0 + j] = dcj * g * i * (1 - i);
      dxp[d0 + H + j] = dcj * c[cp + j] * f * (1 - f);
      dxp[d0 + 2 * H + j] = dcj * i * (1 - g * g);
      dxp[d0 + 3 * H + j] = dhj * tcn * o * (1 - o);
      dcPrev[k0 + j] = dcj * f;
      dhPrev[k0 + j] = 0;
    }
  }
}

function gruForward(a: GateForwardArgs): void {
  const { B, H, xp, hh, bx, bh, h, act } = a;
  const hn = a.aux!;
  const G = 3 * H;
  const f64 = h instanceof Float64Array;
  const sigmoid = f64 ? sigmoid64 : sigmoid32;
  const tanh = f64 ? tanh64 : tanh32;
  for (let b = 0; b < B; b++) {
    const hp = a.hPrev + b * H;
    const ho = a.hOut + b * H;
    if (padded(a.lengths, a.t, b)) {
      for (let j = 0; j < H; j++) h[ho + j] = h[hp + j];
      continue;
    }
    const x0 = a.xpOff + b * G;
    const q0 = b * G;
    const a0 = a.actOff + b * G;
    const n0 = a.auxOff + b * H;
    for (let j = 0; j < H; j++) {
      let xr = xp[x0 + j] + hh[q0 + j];
      let xz = xp[x0 + H + j] + hh[q0 + H + j];
      let xn = xp[x0 + 2 * H + j];
      let hnj = hh[q0 + 2 * H + j];
      if (bx && bh) {
        xr += bx[j] + bh[j];
        xz += bx[H + j] + bh[H + j];
        xn += bx[2 * H + j];
        hnj += bh[2 * H + j];
      }
      const r = sigmoid(xr);
      const z = sigmoid(xz);
      const n = tanh(xn + r * hnj);
      h[ho + j] = (1 - z) * n + z * h[hp + j];
      act[a0 + j] = r;
      act[a0 + H + j] = z;
      act[a0 + 2 * H + j] = n;
      hn[n0 + j] = hnj;
    }
  }
}

function gruBackward(a: GateBackwardArgs): void {
  const { B, H, act, h, dh, dxp, dhh, dhPrev } = a;
  const hn = a.aux!;
  const G = 3 * H;
  for (let b = 0; b < B; b++) {
    const k0 = b * H;
    const d0 = a.dxpOff + b * G;
    const e0 = a.dhhOff + b * G;
    if (padded(a.lengths, a.t, b)) {
      for (let j = 0; j < H; j++) dhPrev[k0 + j] = dh[k0 + j];
      dxp.fill(0, d0, d0 + G);
      dhh.fill(0, e0, e0 + G);
      continue;
    }
    const a0 = a.actOff + b * G;
    const n0 = a.auxOff + b * H;
    const hp = a.hPrev + b * H;
    for (let j = 0; j < H; j++) {
      const r = act[a0 + j];
      const z = act[a0 + H + j];
      const n = act[a0 + 2 * H + j];
      const dhj = dh[k0 + j];
      const dpn = dhj * (1 - z) * (1 - n * n);
      const dpz = dhj * (h[hp + j] - n) * z * (1 - z);
      const dpr = dpn * hn[n0 + j] * r * (1 - r);
      dxp[d0 + j] = dpr;
      dxp[d0 + H + j] = dpz;
      dxp[d0 + 2 * H + j] = dpn;
      dhh[e0 + j] = dpr;
      dhh[e0 + H + j] = dpz;
      dhh[e0 + 2 * H + j] = dpn * r;
      dhPrev[k0 + j] = dhj * z;
    }
  }
}

/** The TypeScript gate kernels (the reference implementation for any backend's). */
export const jsGateKernels: RecurrentGateKernels = {
  recurrentGatesForward(mode, a) {
    if (mode === "lstm") lstmForward(a);
    else if (mode === "gru") gruForward(a);
    else rnnForward(a, mode === "rnn_relu");
  },
  recurrentGatesBackward(mode, a) {
    if (mode === "lstm") lstmBackward(a);
    else if (mode === "gru") gruBackward(a);
    else rnnBackward(a, mode === "rnn_relu");
  },
};

/** The active backend's gate kernels when it has them, else the TypeScript ones. */
function gateKernels(): RecurrentGateKernels {
  const k = kernels() as Partial<RecurrentGateKernels>;
  return k.recurrentGatesForward && k.recurrentGatesBackward ? (k as RecurrentGateKernels) : jsGateKernels;
}

// ---- the op ------------------------------------------------------------------------------------------

/**
 * Scratch buffers by dtype and length. A layer's per-step activations live from forward to backward and
 * are several megabytes; a fresh typed array of that size costs page faults and zeroing on every training
 * step, so buffers return here after backward (or right after a forward that needs no backward).
 */
const pool = new Map<string, Float[]>();
const POOL_LIMIT = 64 * 2 ** 20; // bytes kept at most
let pooledBytes = 0;
const poolKey = (dtype: "float32" | "float64", n: number) => `${dtype}:${n}`;

function take(dtype: "float32" | "float64", n: number): Float {
  const buf = pool.get(poolKey(dtype, n))?.pop();
  if (buf) {
    pooledBytes -= buf.byteLength;
    return buf;
  }
  return allocStorage(dtype, n) as Float;
}

function give(...bufs: (Float | null)[]): void {
  for (const buf of bufs) {
    if (buf === null || buf.byteLength === 0 || pooledBytes + buf.byteLength > POOL_LIMIT) continue;
    const key = poolKey(buf instanceof Float64Array ? "float64" : "float32", buf.length);
    const list = pool.get(key) ?? [];
    list.push(buf);
    pool.set(key, list);
    pooledBytes += buf.byteLength;
  }
}

interface Saved {
  /** (T+1, B, H): the hidden states in their slots (see slotsOf). */
  hs: Float;
  /** (T, B, G·H): first x·W_ihᵀ, then (in place) the gate activations, then (in backward) their gradients. */
  act: Float;
  /** (T, B, H): LSTM tanh(c_t); GRU W_hn·h_{t-1} + b_hn. */
  aux: Float | null;
  /** (T+1, B, H): the LSTM cell states, in the same slots as h. */
  cs: Float | null;
}

interface LayerAttrs {
  mode: RecurrentMode;
  reverse: boolean;
  lengths: Int32Array | null;
  hasBias: boolean;
  /** What forward keeps for backward; cleared by backward, which reuses the buffers. */
  saved?: Saved;
}

/** Inputs are [x, wIh, wHh, bIh?, bHh?, h0, c0?]: the flags say which optional ones are present. */
function unpack(inputs: readonly Tensor[], a: LayerAttrs) {
  let k = 3;
  const bIh = a.hasBias ? inputs[k++] : null;
  const bHh = a.hasBias ? inputs[k++] : null;
  const h0 = inputs[k++];
  const c0 = a.mode === "lstm" ? inputs[k] : null;
  return { x: inputs[0], wIh: inputs[1], wHh: inputs[2], bIh, bHh, h0, c0 };
}

const flat = (t: Tensor): Float => {
  const c = contiguous(t);
  return c.storage.subarray(c.offset, c.offset + c.numel()) as Float;
};

/** A single-matrix GEMM description for the backend's matmul kernel. */
function gemm(m: number, n: number, k: number, o: Partial<MatmulParams>): MatmulParams {
  return {
    batch: 1,
    m,
    n,
    k,
    transA: false,
    transB: false,
    lda: k,
    ldb: n,
    aOffset: 0,
    bOffset: 0,
    aBatchStride: 0,
    bBatchStride: 0,
    ...o,
  };
}

/**
 * The state slots: T+1 hidden states in time order. Forward: slot 0 holds the initial state and slot
 * t+1 the state after time t; reverse: slot T holds the initial state and slot t the state after time t.
 * So the outputs are always T consecutive slots, and so are the h_{t-1} of all steps (for one dW_hh GEMM).
 */
const slotsOf = (reverse: boolean, t: number) =>
  reverse ? { prev: t + 1, cur: t } : { prev: t, cur: t + 1 };

/**
 * The op's output: the T outputs (B, H) in time order, then for the LSTM the final cell state. It is a
 * fresh copy of the output slots of the pooled state buffer, so that an LM that uses only the output
 * sequence sends back one gradient, with no zero-filled gradients of other slices.
 */
const RecurrentLayer = defineOp<LayerAttrs>({
  name: "recurrentLayer",
  forward: (inputs, a) => {
    const { x, wIh, wHh, bIh, bHh, h0, c0 } = unpack(inputs, a);
    const [T, B, I] = x.shape;
    const [GH, H] = wHh.shape;
    const BH = B * H;
    const dtype = x.dtype as "float32" | "float64";
    const lstm = a.mode === "lstm";
    const gated = lstm || a.mode === "gru";
    const hs = take(dtype, (T + 1) * BH);
    const first = a.reverse ? T : 0;
    const last = a.reverse ? 0 : T;
    const k = kernels();
    const gk = gateKernels();
    // All steps' input projections in one GEMM: (T·B, I)·(I, G·H), W_ih read transposed in place.
    const act = take(dtype, T * B * GH);
    if (T * B > 0) k.matmul(flat(x), flat(wIh), act, gemm(T * B, GH, I, { transB: true, lda: I, ldb: I }));
    const aux = gated ? take(dtype, T * BH) : null;
    const cs = lstm ? take(dtype, (T + 1) * BH) : null;
    hs.set(flat(h0), first * BH);
    if (cs) cs.set(flat(c0!), first * BH);
    const hh = take(dtype, B * GH);
    const ws = flat(wHh);
    const bx = bIh ? flat(bIh) : null;
    const bh = bHh ? flat(bHh) : null;
    // hh = h_{t-1}·W_hhᵀ: (B, H)·(H, G·H).
    const p = gemm(B, GH, H, { transB: true, lda: H, ldb: H });
    for (let s = 0; s < T; s++) {
      const t = a.reverse ? T - 1 - s : s;
      const { prev, cur } = slotsOf(a.reverse, t);
      p.aOffset = prev * BH;
      k.matmul(hs, ws, hh, p);
      gk.recurrentGatesForward(a.mode, {
        B,
        H,
        t,
        lengths: a.lengths,
        xp: act,
        xpOff: t * B * GH,
        hh,
        bx,
        bh,
        h: hs,
        hPrev: prev * BH,
        hOut: cur * BH,
        c: cs,
        cPrev: prev * BH,
        cOut: cur * BH,
        act,
        actOff: t * B * GH,
        aux,
        auxOff: t * BH,
      });
    }
    const out = allocStorage(dtype, (T + (lstm ? 1 : 0)) * BH) as Float;
    const firstOut = a.reverse ? 0 : BH;
    out.set(hs.subarray(firstOut, firstOut + T * BH));
    if (cs) out.set(cs.subarray(last * BH, (last + 1) * BH), T * BH);
    give(hh);
    if (isGradEnabled() && inputs.some((t) => t.requiresGrad)) a.saved = { hs, act, aux, cs };
    else give(hs, act, aux, cs);
    return new Tensor(out, [T + (lstm ? 1 : 0), B, H]);
  },
  vjp: (g, inputs, _out, a) => {
    const saved = a.saved;
    if (!saved)
      throw new Error(
        "recurrentLayer: backward through the same recurrent layer a second time; its saved activations were used by the first backward (run the forward pass again)",
      );
    a.saved = undefined;
    const { x, wIh, wHh, bIh, bHh, h0, c0 } = unpack(inputs, a);
    const [T, B, I] = x.shape;
    const [GH, H] = wHh.shape;
    const BH = B * H;
    const dtype = x.dtype as "float32" | "float64";
    const lstm = a.mode === "lstm";
    const alloc = (n: number) => allocStorage(dtype, n) as Float;
    const gs = flat(g);
    const ws = flat(wHh);
    const { hs, act, aux, cs } = saved;
    // Each step's gate gradients overwrite its activations in place (the kernels read before writing).
    const dxp = act;
    const dhh = a.mode === "gru" ? take(dtype, T * B * GH) : dxp;
    const dh = alloc(BH);
    const dhNext = alloc(BH);
    const dhPrev = alloc(BH);
    const rec = alloc(BH);
    // The only outside gradient on a cell state is the one on the final cN.
    let dc: Float | null = lstm ? gs.slice(T * BH, (T + 1) * BH) : null;
    let dcPrev: Float | null = lstm ? alloc(BH) : null;
    const k = kernels();
    const gk = gateKernels();
    // rec = dhh_t·W_hh: (B, G·H)·(G·H, H).
    const p = gemm(B, H, GH, { lda: GH, ldb: H });
    for (let s = T - 1; s >= 0; s--) {
      const t = a.reverse ? T - 1 - s : s;
      const { prev, cur } = slotsOf(a.reverse, t);
      for (let i = 0; i < BH; i++) dh[i] = gs[t * BH + i] + dhNext[i];
      gk.recurrentGatesBackward(a.mode, {
        B,
        H,
        t,
        lengths: a.lengths,
        act,
        actOff: t * B * GH,
        aux,
        auxOff: t * BH,
        h: hs,
        hPrev: prev * BH,
        hOut: cur * BH,
        c: cs,
        cPrev: prev * BH,
        dh,
        dc,
        dxp,
        dxpOff: t * B * GH,
        dhh,
        dhhOff: t * B * GH,
        dhPrev,
        dcPrev,
      });
      p.aOffset = t * B * GH;
      k.matmul(dhh, ws, rec, p);
      for (let i = 0; i < BH; i++) dhNext[i] = dhPrev[i] + rec[i];
      if (lstm) [dc, dcPrev] = [dcPrev, dc];
    }
    // The weight gradients are ONE GEMM each over all T·B rows.
    const rows = T * B;
    let dWhh: Tensor | null = null;
    if (wHh.requiresGrad) {
      // Σ_t dhh_tᵀ·h_{t-1}; the h_{t-1} are T consecutive slots.
      dWhh = Tensor.empty([GH, H], dtype);
      const prevBase = a.reverse ? BH : 0;
      if (rows > 0)
        k.matmul(
          dhh,
          hs,
          dWhh.storage,
          gemm(GH, H, rows, { transA: true, lda: GH, ldb: H, bOffset: prevBase }),
        );
    }
    let dWih: Tensor | null = null;
    if (wIh.requiresGrad) {
      dWih = Tensor.empty([GH, I], dtype);
      if (rows > 0)
        k.matmul(dxp, flat(x), dWih.storage, gemm(GH, I, rows, { transA: true, lda: GH, ldb: I }));
    }
    let dx: Tensor | null = null;
    if (x.requiresGrad) {
      dx = Tensor.empty([T, B, I], dtype);
      if (rows > 0) k.matmul(dxp, flat(wIh), dx.storage, gemm(rows, I, GH, { lda: GH, ldb: I }));
    }
    // Bias gradients: column sums of the (T·B, G·H) gate gradients.
    const colSum = (d: Float) => {
      const sum = Tensor.empty([GH], dtype);
      if (rows > 0) k.reduce("sum", d.subarray(0, rows * GH), sum.storage, 1, rows, GH);
      return sum;
    };
    const dbIh = bIh?.requiresGrad ? colSum(dxp) : null;
    const dbHh = bHh?.requiresGrad ? (dhh === dxp && dbIh ? dbIh.clone() : colSum(dhh)) : null;
    give(hs, act, aux, cs, dhh === dxp ? null : dhh);
    const grads: (Tensor | null)[] = [dx, dWih, dWhh];
    if (a.hasBias) grads.push(dbIh, dbHh);
    grads.push(h0.requiresGrad ? new Tensor(dhNext, [B, H]) : null);
    if (c0) grads.push(c0.requiresGrad ? new Tensor(dc!.slice(), [B, H]) : null);
    return grads;
  },
});

// ---- public entry points ---------------------------------------------------------------------------

export interface RecurrentLayerOptions {
  /** Run from the last time step to the first (the backward direction of a bidirectional layer). */
  reverse?: boolean;
  /** Per-sequence lengths (B): steps t >= lengths[b] leave sequence b's state unchanged. */
  lengths?: Int32Array | null;
}

export interface RecurrentLayerResult {
  /** (T, B, H): the hidden state after each step, in time order (padded steps carry the state). */
  output: Tensor;
  /** (B, H): the final hidden state (after the last step, or after the first one when reversed). */
  hN: Tensor;
  /** (B, H): the final cell state of an LSTM, else null. */
  cN: Tensor | null;
}

function checkLayerArgs(
  where: string,
  mode: RecurrentMode,
  x: Tensor,
  wIh: Tensor,
  wHh: Tensor,
  bIh: Tensor | null,
  bHh: Tensor | null,
  h0: Tensor,
  c0: Tensor | null,
): void {
  const G = GATES[mode];
  if (wHh.ndim !== 2 || wHh.shape[0] !== G * wHh.shape[1])
    throw new RangeError(`${where}: wHh must have shape (${G}·H, H), got ${fmtShape(wHh.shape)}`);
  const H = wHh.shape[1];
  if (x.ndim !== 3 || x.shape[0] < 1)
    throw new RangeError(`${where}: x must have shape (T, B, I) with T >= 1, got ${fmtShape(x.shape)}`);
  const [, B, I] = x.shape;
  if (wIh.ndim !== 2 || wIh.shape[0] !== G * H || wIh.shape[1] !== I)
    throw new RangeError(
      `${where}: wIh must have shape (${G * H}, ${I}) for x of shape ${fmtShape(x.shape)}, got ${fmtShape(wIh.shape)}`,
    );
  for (const [name, t] of [
    ["h0", h0],
    ["c0", c0],
  ] as const)
    if (t && (t.ndim !== 2 || t.shape[0] !== B || t.shape[1] !== H))
      throw new RangeError(`${where}: ${name} must have shape (${B}, ${H}), got ${fmtShape(t.shape)}`);
  if (mode === "lstm" && !c0) throw new RangeError(`${where}: the LSTM needs c0`);
  if ((bIh === null) !== (bHh === null)) throw new RangeError(`${where}: pass both biases or neither`);
  for (const t of [bIh, bHh])
    if (t && (t.ndim !== 1 || t.shape[0] !== G * H))
      throw new RangeError(`${where}: biases must have shape (${G * H}), got ${fmtShape(t.shape)}`);
  const tensors = [x, wIh, wHh, bIh, bHh, h0, c0].filter((t): t is Tensor => t !== null);
  if (tensors.some((t) => t.dtype !== x.dtype || (t.dtype !== "float32" && t.dtype !== "float64")))
    throw new TypeError(
      `${where}: all tensors must share one floating dtype, got ${tensors.map((t) => t.dtype).join(", ")}`,
    );
}

/**
 * Runs one direction of one recurrent layer over a whole sequence as one fused op: x (T, B, I),
 * wIh (gates·H, I), wHh (gates·H, H), biases (gates·H) or null, h0 and c0 (B, H).
 * @example
 * const { output, hN, cN } = recurrentLayer("lstm", x, w_ih, w_hh, b_ih, b_hh, h0, c0); // output (T, B, H)
 */
export function recurrentLayer(
  mode: RecurrentMode,
  x: Tensor,
  wIh: Tensor,
  wHh: Tensor,
  bIh: Tensor | null,
  bHh: Tensor | null,
  h0: Tensor,
  c0: Tensor | null,
  opts: RecurrentLayerOptions = {},
): RecurrentLayerResult {
  checkLayerArgs("recurrentLayer", mode, x, wIh, wHh, bIh, bHh, h0, c0);
  const T = x.shape[0];
  const reverse = opts.reverse ?? false;
  const inputs = [x, wIh, wHh, ...(bIh && bHh ? [bIh, bHh] : []), h0, ...(c0 ? [c0] : [])];
  const attrs: LayerAttrs = { mode, reverse, lengths: opts.lengths ?? null, hasBias: bIh !== null };
  const out = RecurrentLayer(inputs, attrs); // (T, B, H), plus the cN slot for the LSTM
  const output = mode === "lstm" ? out.narrow(0, 0, T) : out;
  return {
    output,
    // The final state is the output of the last step processed (padded steps carry it along).
    hN: output.select(0, reverse ? 0 : T - 1),
    cN: mode === "lstm" ? out.select(0, T) : null,
  };
}

/**
 * The definition of `recurrentLayer`: the same computation as a per-step composition of primitive ops
 * (slow; the reference the fused op is tested against).
 */
export function recurrentLayerComposed(
  mode: RecurrentMode,
  x: Tensor,
  wIh: Tensor,
  wHh: Tensor,
  bIh: Tensor | null,
  bHh: Tensor | null,
  h0: Tensor,
  c0: Tensor | null,
  opts: RecurrentLayerOptions = {},
): RecurrentLayerResult {
  checkLayerArgs("recurrentLayerComposed", mode, x, wIh, wHh, bIh, bHh, h0, c0);
  const T = x.shape[0];
  const B = x.shape[1];
  const reverse = opts.reverse ?? false;
  const lengths = opts.lengths ?? null;
  let h = h0;
  let c = c0;
  const outs: Tensor[] = new Array<Tensor>(T);
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    let xp = matmul(x.select(0, t), wIh.mT); // (B, G·H)
    if (bIh) xp = xp.add(bIh);
    let hh = matmul(h, wHh.mT); // (B, G·H)
    if (bHh) hh = hh.add(bHh);
    let hNew: Tensor;
    let cNew: Tensor | null = null;
    if (mode === "lstm") {
      const [i, f, g, o] = xp.add(hh).chunk(4, 1);
      cNew = f.sigmoid().mul(c!).add(i.sigmoid().mul(g.tanh()));
      hNew = o.sigmoid().mul(cNew.tanh());
    } else if (mode === "gru") {
      const [xr, xz, xn] = xp.chunk(3, 1);
      const [hr, hz, hn] = hh.chunk(3, 1);
      const r = xr.add(hr).sigmoid();
      const z = xz.add(hz).sigmoid();
      const n = xn.add(r.mul(hn)).tanh();
      hNew = n.sub(z.mul(n)).add(z.mul(h)); // (1 - z)·n + z·h
    } else {
      const pre = xp.add(hh);
      hNew = mode === "rnn_relu" ? pre.relu() : pre.tanh();
    }
    if (lengths) {
      const live = new Tensor(
        Uint8Array.from(lengths, (len) => (t < len ? 1 : 0)),
        [B, 1],
      );
      hNew = hNew.where(live, h);
      if (cNew) cNew = cNew.where(live, c!);
    }
    h = hNew;
    c = cNew;
    outs[t] = h;
  }
  return { output: stack(outs, 0), hN: h, cN: c };
}
