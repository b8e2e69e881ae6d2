/**
 * Fused recurrent layers: one op runs a whole sequence through one direction of an RNN (tanh or ReLU),
 * LSTM or GRU layer, the way cuDNN does. The op computes the input projection x·W_ihᵀ for all time
 * steps as one GEMM; the backend's sequence kernel then runs the recurrence (per step the recurrent GEMM
 * h·W_hhᵀ and the gate nonlinearities, saving the gate activations). Backward, the sequence kernel walks
 * the steps in reverse and leaves every step's gate gradients; the op forms dW_hh as ONE GEMM over all
 * steps (instead of T small ones and T accumulations), dW_ih and dx likewise, and the bias gradients as
 * one column sum.
 *
 * The definition and the reference is the per-step composition `recurrentLayerComposed` below; a test
 * checks fused == composed, forward and backward, and gradchecks the fused op in float64.
 *
 * The sequence kernels are `recurrentSequenceForward` / `recurrentSequenceBackward` (backend/types.ts):
 * cpu-js's and WebGPU's run the steps one by one on their matmul and gate kernels
 * (backend/rnn-sequence-js.ts), cpu-native's run each step as one fused pool job.
 */
import { backendOf } from "../../tensor/device.js";
import type { RecurrentMode } from "../../backend/types.js";
import { GATES, copyInto, gemmParams, give, take } from "../../backend/rnn-sequence-js.js";
import { Tensor } from "../../tensor/tensor.js";
import { fmtShape } from "../../tensor/shape.js";
import { defineOp } from "../define.js";
import { isGradEnabled } from "../../autograd/grad-mode.js";
import { contiguous } from "../movement.js";
import { stack } from "../indexing.js";
import { matmul } from "../matmul.js";

export type {
  RecurrentMode,
  GateForwardArgs,
  GateBackwardArgs,
  RecurrentGateKernels,
  SequenceForwardArgs,
  SequenceBackwardArgs,
  RecurrentSequenceKernels,
} from "../../backend/types.js";
export { GATES };

type Float = Float32Array | Float64Array;

// ---- the op ------------------------------------------------------------------------------------------

interface Saved {
  /** (T+1, B, H): the hidden states in their slots (backend/rnn-sequence-js.ts: slotsOf). */
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
    const k = backendOf(x);
    const hs = take(k, dtype, (T + 1) * BH);
    const first = a.reverse ? T : 0;
    const last = a.reverse ? 0 : T;
    // All steps' input projections in one GEMM: (T·B, I)·(I, G·H), W_ih read transposed in place.
    const act = take(k, dtype, T * B * GH);
    if (T * B > 0)
      k.matmul(flat(x), flat(wIh), act, gemmParams(T * B, GH, I, { transB: true, lda: I, ldb: I }));
    const aux = gated ? take(k, dtype, T * BH) : null;
    const cs = lstm ? take(k, dtype, (T + 1) * BH) : null;
    copyInto(k, flat(h0), 0, hs, first * BH, BH);
    if (cs) copyInto(k, flat(c0!), 0, cs, first * BH, BH);
    k.recurrentSequenceForward(a.mode, {
      T,
      B,
      H,
      reverse: a.reverse,
      lengths: a.lengths,
      wHh: flat(wHh),
      bx: bIh ? flat(bIh) : null,
      bh: bHh ? flat(bHh) : null,
      act,
      aux,
      h: hs,
      c: cs,
    });
    const out = take(k, dtype, (T + (lstm ? 1 : 0)) * BH); // written whole below
    const firstOut = a.reverse ? 0 : BH;
    copyInto(k, hs, firstOut, out, 0, T * BH);
    if (cs) copyInto(k, cs, last * BH, out, T * BH, BH);
    if (isGradEnabled() && inputs.some((t) => t.requiresGrad)) a.saved = { hs, act, aux, cs };
    else give(k, hs, act, aux, cs);
    return new Tensor(out, [T + (lstm ? 1 : 0), B, H], undefined, 0, x.device);
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
    const k = backendOf(x);
    const { hs, act, aux, cs } = saved;
    // The gate gradients overwrite the activations in place: dxp is act.
    const dxp = act;
    const dhh = a.mode === "gru" ? take(k, dtype, T * B * GH) : dxp;
    const dh0 = k.alloc(dtype, BH) as Float; // written whole, but becomes a tensor: not pooled scratch
    const dc0 = c0 ? (k.alloc(dtype, BH) as Float) : null;
    k.recurrentSequenceBackward(a.mode, {
      T,
      B,
      H,
      reverse: a.reverse,
      lengths: a.lengths,
      wHh: flat(wHh),
      act,
      aux,
      h: hs,
      c: cs,
      g: flat(g),
      dhh: dhh === dxp ? null : dhh,
      dh0,
      dc0,
    });
    // The weight gradients are ONE GEMM each over all T·B rows.
    const rows = T * B;
    let dWhh: Tensor | null = null;
    if (wHh.requiresGrad) {
      // Σ_t dhh_tᵀ·h_{t-1}; the h_{t-1} are T consecutive slots.
      dWhh = (rows > 0 ? Tensor.uninitialized : Tensor.empty)([GH, H], dtype, x.device);
      const prevBase = a.reverse ? BH : 0;
      if (rows > 0)
        k.matmul(
          dhh,
          hs,
          dWhh.storage,
          gemmParams(GH, H, rows, { transA: true, lda: GH, ldb: H, bOffset: prevBase }),
        );
    }
    let dWih: Tensor | null = null;
    if (wIh.requiresGrad) {
      dWih = (rows > 0 ? Tensor.uninitialized : Tensor.empty)([GH, I], dtype, x.device);
      if (rows > 0)
        k.matmul(dxp, flat(x), dWih.storage, gemmParams(GH, I, rows, { transA: true, lda: GH, ldb: I }));
    }
    let dx: Tensor | null = null;
    if (x.requiresGrad) {
      dx = (rows > 0 ? Tensor.uninitialized : Tensor.empty)([T, B, I], dtype, x.device);
      if (rows > 0) k.matmul(dxp, flat(wIh), dx.storage, gemmParams(rows, I, GH, { lda: GH, ldb: I }));
    }
    // Bias gradients: column sums of the (T·B, G·H) gate gradients.
    const colSum = (d: Float) => {
      const sum = Tensor.empty([GH], dtype, x.device);
      if (rows > 0) k.reduce("sum", d.subarray(0, rows * GH), sum.storage, 1, rows, GH);
      return sum;
    };
    const dbIh = bIh?.requiresGrad ? colSum(dxp) : null;
    const dbHh = bHh?.requiresGrad ? (dhh === dxp && dbIh ? dbIh.clone() : colSum(dhh)) : null;
    give(k, hs, act, aux, cs, dhh === dxp ? null : dhh);
    const grads: (Tensor | null)[] = [dx, dWih, dWhh];
    if (a.hasBias) grads.push(dbIh, dbHh);
    grads.push(h0.requiresGrad ? new Tensor(dh0, [B, H], undefined, 0, x.device) : null);
    if (c0) grads.push(c0.requiresGrad ? new Tensor(dc0!, [B, H], undefined, 0, x.device) : null);
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
