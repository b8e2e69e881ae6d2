/**
 * The gate kernels of the fused recurrent layers (ops/fused/recurrent.ts) in TypeScript: one time step of
 * the RNN (tanh or ReLU), LSTM or GRU nonlinearities on contiguous (B, ·) blocks. They are the reference
 * for a backend's `recurrentGatesForward` / `recurrentGatesBackward` (types.ts documents the arguments),
 * and what runs when the backend has none or declines a call.
 */
import type { GateBackwardArgs, GateForwardArgs, RecurrentGateKernels } from "./types.js";

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
