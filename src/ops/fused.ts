/**
 * Fused ops: one kernel call forward and one backward for the hottest compositions (softmax,
 * log-softmax, layerNorm, cross-entropy, GELU). Each composition in composite.ts / nn/functional.ts
 * stays the definition and the reference; tests check that the two agree, forward and backward.
 * All fused kernels work on contiguous rows of the last dim.
 */
import { kernels } from "../backend/index.js";
import { Tensor } from "../tensor/tensor.js";
import { allocStorage } from "../tensor/dtype.js";
import { defineOp } from "./define.js";
import { contiguous } from "./movement.js";
import { full } from "../tensor/create.js";

function rowsOf(x: Tensor): { data: Tensor; rows: number; cols: number } {
  const data = contiguous(x);
  const cols = x.ndim === 0 ? 1 : x.shape[x.ndim - 1];
  return { data, rows: cols === 0 ? 0 : x.numel() / cols, cols };
}

function flat(t: Tensor) {
  return t.storage.subarray(t.offset, t.offset + t.numel());
}

const Softmax = defineOp<boolean>({
  name: "softmax",
  forward: ([x], log) => {
    const { data, rows, cols } = rowsOf(x);
    const out = allocStorage(x.dtype, x.numel());
    kernels().softmax(flat(data), out, rows, cols, log);
    return new Tensor(out, x.shape);
  },
  vjp: (g, _inputs, y, log) => {
    // softmax: y·(g - Σ g·y); log-softmax: g - softmax·Σ g.
    if (log) return [g.sub(y.exp().mul(g.sum(-1, true)))];
    return [y.mul(g.sub(g.mul(y).sum(-1, true)))];
  },
});

/** softmax (or log-softmax) over the last dim in one kernel. */
export function softmaxLastDim(x: Tensor, log: boolean): Tensor {
  return Softmax([x], log);
}

interface LayerNormAttrs {
  eps: number;
  hasWeight: boolean;
  hasBias: boolean;
  /** Per-row statistics from the forward pass, for the backward kernel. */
  mean?: Tensor;
  rstd?: Tensor;
}

/** Inputs are [x, weight?, bias?]: the flags say which of the optional ones are present. */
function layerNormInputs(inputs: readonly Tensor[], a: LayerNormAttrs) {
  const w = a.hasWeight ? inputs[1] : null;
  const b = a.hasBias ? inputs[a.hasWeight ? 2 : 1] : null;
  return { x: inputs[0], w, b };
}

const LayerNorm = defineOp<LayerNormAttrs>({
  name: "layerNorm",
  forward: (inputs, a) => {
    const { x, w, b } = layerNormInputs(inputs, a);
    const { data, rows, cols } = rowsOf(x);
    const out = allocStorage(x.dtype, x.numel());
    a.mean = Tensor.empty([rows], x.dtype);
    a.rstd = Tensor.empty([rows], x.dtype);
    const ws = w ? flat(contiguous(w)) : null;
    const bs = b ? flat(contiguous(b)) : null;
    kernels().layerNorm(flat(data), ws, bs, out, a.mean.storage, a.rstd.storage, rows, cols, a.eps);
    return new Tensor(out, x.shape);
  },
  vjp: (g, inputs, _out, a) => {
    const { x, w, b } = layerNormInputs(inputs, a);
    const { data, rows, cols } = rowsOf(x);
    const dx = Tensor.empty(x.shape, x.dtype);
    const dw = w ? Tensor.empty(w.shape, w.dtype) : null;
    const db = b ? Tensor.empty(b.shape, b.dtype) : null;
    kernels().layerNormBackward(
      flat(contiguous(g)),
      flat(data),
      w ? flat(contiguous(w)) : null,
      a.mean!.storage,
      a.rstd!.storage,
      dx.storage,
      dw?.storage ?? null,
      db?.storage ?? null,
      rows,
      cols,
    );
    return [dx, ...(dw ? [dw] : []), ...(db ? [db] : [])];
  },
});

/** layerNorm over the last dim, with an optional weight and bias of shape [cols]. */
export function layerNormLastDim(x: Tensor, weight: Tensor | null, bias: Tensor | null, eps: number): Tensor {
  const inputs = [x, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
  return LayerNorm(inputs, { eps, hasWeight: weight !== null, hasBias: bias !== null });
}

interface CrossEntropySaved {
  ignoreIndex: number;
  probs?: Tensor;
}

const CrossEntropyRows = defineOp<CrossEntropySaved>({
  name: "crossEntropy",
  forward: ([logits, target], saved) => {
    const { data, rows, cols } = rowsOf(logits);
    const losses = allocStorage(logits.dtype, rows);
    const probs = Tensor.empty(logits.shape, logits.dtype);
    kernels().crossEntropy(
      flat(data),
      flat(contiguous(target)) as Int32Array,
      losses,
      probs.storage,
      rows,
      cols,
      saved.ignoreIndex,
    );
    saved.probs = probs;
    return new Tensor(losses, [rows]);
  },
  vjp: (g, [, target], _out, saved) => {
    // d loss_r / d logits_r = g_r · (softmax_r - onehot(target_r)), zero for ignored rows.
    const valid = target.ne(saved.ignoreIndex);
    const safe = target.mul(valid).unsqueeze(1);
    const minusOne = full(safe.shape, -1, { dtype: g.dtype });
    const diff = saved.probs!.scatterAdd(1, safe, minusOne);
    return [diff.mul(g.mul(valid).unsqueeze(1)), null];
  },
});

/** Per-row cross-entropy of [rows, C] logits against int32 targets (0 at ignoreIndex). */
export function crossEntropyRows(logits: Tensor, target: Tensor, ignoreIndex: number): Tensor {
  return CrossEntropyRows([logits, target], { ignoreIndex });
}

const Gelu = defineOp<boolean>({
  name: "gelu",
  forward: ([x], tanh) => {
    const data = contiguous(x);
    const out = allocStorage(x.dtype, x.numel());
    kernels().gelu(flat(data), out, tanh);
    return new Tensor(out, x.shape);
  },
  vjp: (g, [x], _out, tanh) => {
    const dx = allocStorage(x.dtype, x.numel());
    kernels().geluBackward(flat(contiguous(g)), flat(contiguous(x)), dx, tanh);
    return [new Tensor(dx, x.shape)];
  },
});

export function geluFused(x: Tensor, approximateTanh: boolean): Tensor {
  return Gelu([x], approximateTanh);
}

interface AttentionAttrs {
  nh: number;
  lse?: Tensor;
}

const CausalAttention = defineOp<AttentionAttrs>({
  name: "causalAttention",
  forward: ([qkv], a) => {
    const k = kernels();
    const [B, T, C3] = qkv.shape;
    const hs = C3 / 3 / a.nh;
    const data = contiguous(qkv);
    const out = Tensor.empty([B, T, C3 / 3], qkv.dtype);
    a.lse = Tensor.empty([B, a.nh, T], qkv.dtype);
    k.causalAttention!(flat(data), out.storage, a.lse.storage, B, T, a.nh, hs, 1 / Math.sqrt(hs));
    return out;
  },
  vjp: (g, [qkv], out, a) => {
    const [B, T, C3] = qkv.shape;
    const hs = C3 / 3 / a.nh;
    const dqkv = Tensor.empty(qkv.shape, qkv.dtype);
    kernels().causalAttentionBackward!(
      flat(contiguous(qkv)),
      out.storage,
      flat(contiguous(g)),
      a.lse!.storage,
      dqkv.storage,
      B,
      T,
      a.nh,
      hs,
      1 / Math.sqrt(hs),
    );
    return [dqkv];
  },
});

/** Whether the active backend has a fused causal-attention kernel (the native one does). */
export function hasFusedAttention(): boolean {
  const k = kernels();
  return k.causalAttention !== undefined && k.causalAttentionBackward !== undefined;
}

/**
 * Causal self-attention from a fused projection qkv (B, T, 3C) to merged heads (B, T, C), in one kernel
 * each way. Its definition is the composition in models/gpt.ts (split, heads, softmax(q·kᵀ/√hs)·v).
 */
export function causalAttentionFused(qkv: Tensor, nHead: number): Tensor {
  return CausalAttention([qkv], { nh: nHead });
}
