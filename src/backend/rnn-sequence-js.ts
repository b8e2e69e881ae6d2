/**
 * The reference of the whole-sequence recurrent kernels (types.ts: RecurrentSequenceKernels): the steps
 * one by one, each a recurrent GEMM h_{t-1}·W_hhᵀ (W_hh packed once per pass through MatmulParams.bKey)
 * and the backend's gate kernel. It calls only the kernels of the backend it is given, so it runs on
 * any device (cpu-js's kernels on the host, WebGPU's on the GPU); cpu-native replaces it with one fused
 * job per step (native/src/rnn_sequence.cc).
 */
import type {
  Backend,
  FloatStorage,
  MatmulParams,
  RecurrentMode,
  RecurrentSequenceKernels,
  SequenceBackwardArgs,
  SequenceForwardArgs,
} from "./types.js";

type Float = FloatStorage;

/** Gate blocks per mode: W_ih and W_hh have gates·H rows (LSTM i,f,g,o; GRU r,z,n). */
export const GATES: Record<RecurrentMode, number> = { rnn_tanh: 1, rnn_relu: 1, lstm: 4, gru: 3 };

/**
 * Scratch from the device's buffer pool: its old contents are overwritten before they are read (a
 * fresh multi-megabyte typed array would cost page faults and zeroing on every training step).
 */
export function take(k: Backend, dtype: "float32" | "float64", n: number): Float {
  return (k.allocUninit === undefined ? k.alloc(dtype, n) : k.allocUninit(dtype, n)) as Float;
}

/** Gives scratch buffers back to the device's pool. */
export function give(k: Backend, ...bufs: (Float | null)[]): void {
  for (const buf of bufs) if (buf !== null) k.release?.(buf);
}

/** A single-matrix GEMM description for the backend's matmul kernel. */
export function gemmParams(m: number, n: number, k: number, o: Partial<MatmulParams>): MatmulParams {
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
 * Keys for MatmulParams.bKey: W_hh does not change during one forward or one backward pass, so each
 * pass takes a fresh key and the backend packs W_hh once for its T steps.
 */
let lastPackKey = 0;
const nextPackKey = () => ++lastPackKey;

/** The state slots of SequenceForwardArgs.h: where step t reads h_{t-1} and writes h_t. */
export const slotsOf = (reverse: boolean, t: number) =>
  reverse ? { prev: t + 1, cur: t } : { prev: t, cur: t + 1 };

// Copies and sums go through the backend's kernels (the host cannot index a device's buffers).
const run = (data: Float, offset: number) => ({ data, offset, strides: [1] });

/** dst[dstOff + i] = src[srcOff + i] for i < n. */
export function copyInto(
  k: Backend,
  src: Float,
  srcOff: number,
  dst: Float,
  dstOff: number,
  n: number,
): void {
  if (n > 0) k.copy(run(src, srcOff), run(dst, dstOff), [n]);
}

/** out[i] = a[aOff + i] + b[i] for i < n. */
function addInto(k: Backend, a: Float, aOff: number, b: Float, out: Float, n: number): void {
  if (n > 0) k.binary("add", run(a, aOff), run(b, 0), out, [n]);
}

const dtypeOf = (a: Float) => (a instanceof Float64Array ? "float64" : "float32");

function forward(k: Backend, mode: RecurrentMode, a: SequenceForwardArgs): void {
  const { T, B, H, reverse } = a;
  const GH = GATES[mode] * H;
  const BH = B * H;
  const hh = take(k, dtypeOf(a.act), B * GH);
  // hh = h_{t-1}·W_hhᵀ: (B, H)·(H, G·H).
  const p = gemmParams(B, GH, H, { transB: true, lda: H, ldb: H, bKey: nextPackKey() });
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    const { prev, cur } = slotsOf(reverse, t);
    p.aOffset = prev * BH;
    k.matmul(a.h, a.wHh, hh, p);
    k.recurrentGatesForward(mode, {
      B,
      H,
      t,
      lengths: a.lengths,
      xp: a.act,
      xpOff: t * B * GH,
      hh,
      bx: a.bx,
      bh: a.bh,
      h: a.h,
      hPrev: prev * BH,
      hOut: cur * BH,
      c: a.c,
      cPrev: prev * BH,
      cOut: cur * BH,
      act: a.act,
      actOff: t * B * GH,
      aux: a.aux,
      auxOff: t * BH,
    });
  }
  give(k, hh);
}

function backward(k: Backend, mode: RecurrentMode, a: SequenceBackwardArgs): void {
  const { T, B, H, reverse, act, g } = a;
  const GH = GATES[mode] * H;
  const BH = B * H;
  const lstm = mode === "lstm";
  const alloc = (n: number) => k.alloc(dtypeOf(act), n) as Float; // zeros: the sums start from them
  const dhh = a.dhh ?? act;
  const dh = alloc(BH);
  const dhNext = alloc(BH);
  const dhPrev = alloc(BH);
  const rec = alloc(BH);
  // The only outside gradient on a cell state is the one on the final cN.
  let dc: Float | null = lstm ? alloc(BH) : null;
  if (dc) copyInto(k, g, T * BH, dc, 0, BH);
  let dcPrev: Float | null = lstm ? alloc(BH) : null;
  // rec = dhh_t·W_hh: (B, G·H)·(G·H, H).
  const p = gemmParams(B, H, GH, { lda: GH, ldb: H, bKey: nextPackKey() });
  for (let s = T - 1; s >= 0; s--) {
    const t = reverse ? T - 1 - s : s;
    const { prev, cur } = slotsOf(reverse, t);
    addInto(k, g, t * BH, dhNext, dh, BH);
    // Each step's gate gradients overwrite its activations in place (the kernels read before writing).
    k.recurrentGatesBackward(mode, {
      B,
      H,
      t,
      lengths: a.lengths,
      act,
      actOff: t * B * GH,
      aux: a.aux,
      auxOff: t * BH,
      h: a.h,
      hPrev: prev * BH,
      hOut: cur * BH,
      c: a.c,
      cPrev: prev * BH,
      dh,
      dc,
      dxp: act,
      dxpOff: t * B * GH,
      dhh,
      dhhOff: t * B * GH,
      dhPrev,
      dcPrev,
    });
    p.aOffset = t * B * GH;
    k.matmul(dhh, a.wHh, rec, p);
    addInto(k, dhPrev, 0, rec, dhNext, BH);
    if (lstm) [dc, dcPrev] = [dcPrev, dc];
  }
  copyInto(k, dhNext, 0, a.dh0, 0, BH);
  if (a.dc0) copyInto(k, dc!, 0, a.dc0, 0, BH);
  give(k, dh, dhNext, dhPrev, rec, dc, dcPrev);
}

/** The step-by-step sequence kernels on `backend()`'s own kernels (a getter: cpu-js passes itself). */
export function stepwiseSequenceKernels(backend: () => Backend): RecurrentSequenceKernels {
  return {
    recurrentSequenceForward: (mode, a) => forward(backend(), mode, a),
    recurrentSequenceBackward: (mode, a) => backward(backend(), mode, a),
  };
}
