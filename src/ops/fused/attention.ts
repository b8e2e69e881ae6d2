/**
 * Attention. `scaledDotProductAttention` is the general composition (any mask, dropout). Causal
 * self-attention from a fused q|k|v projection has a fused kernel too (one pass per head forward and
 * one backward, keeping only each row's log-sum-exp instead of the T×T probabilities, dropout included:
 * its mask is recomputed from a Philox key); `causalSelfAttention` chooses between the kernel and its
 * composition, `causalSelfAttentionComposed`.
 */
import { Tensor } from "../../tensor/tensor.js";
import { fmtShape } from "../../tensor/shape.js";
import { arange } from "../../tensor/create.js";
import { backendOf } from "../../tensor/device.js";
import { defineOp } from "../define.js";
import { matmul } from "../matmul.js";
import { cat } from "../indexing.js";
import { contiguous } from "../movement.js";
import { dropout, drawDropoutMask } from "../dropout.js";
import type { DropoutMask } from "../../backend/types.js";
import type { Generator } from "../../tensor/random.js";
import { softmax } from "./softmax.js";
import { flat } from "./rows.js";

export interface AttentionOptions {
  /** bool: true where a query may NOT attend to a key; float: added to the scores. Broadcasts to (..., L, S). */
  attnMask?: Tensor | null;
  /** Masks keys after each query's position (a lower-triangular pattern over the last L×S block). */
  isCausal?: boolean;
  dropoutP?: number;
  /** Scale of the scores; 1/√E by default. */
  scale?: number;
  training?: boolean;
  /** Where dropout's key comes from (the default generator by default). */
  generator?: Generator;
}

/**
 * softmax(q·kᵀ·scale + mask)·v for q (..., L, E), k (..., S, E), v (..., S, Ev) -> (..., L, Ev).
 * `attentionWeights` gives the softmax part alone, for display.
 */
export function scaledDotProductAttention(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  opts: AttentionOptions = {},
): Tensor {
  const att = attentionWeights(q, k, opts);
  const dropped = opts.dropoutP ? dropout(att, opts.dropoutP, opts.training ?? true, opts.generator) : att;
  return matmul(dropped, v);
}

/** The attention probabilities softmax(q·kᵀ·scale + mask) of scaledDotProductAttention, (..., L, S). */
export function attentionWeights(q: Tensor, k: Tensor, opts: AttentionOptions = {}): Tensor {
  if (q.ndim < 2 || k.ndim < 2 || q.shape[q.ndim - 1] !== k.shape[k.ndim - 1])
    throw new RangeError(
      `scaledDotProductAttention: query ${fmtShape(q.shape)} and key ${fmtShape(k.shape)} must end in (L, E) and (S, E) with the same E`,
    );
  const L = q.shape[q.ndim - 2];
  const S = k.shape[k.ndim - 2];
  const scale = opts.scale ?? 1 / Math.sqrt(q.shape[q.ndim - 1]);
  let scores = matmul(q, k.mT).mul(scale); // (..., L, S)
  if (opts.isCausal) scores = scores.maskedFill(causalMask(L, S), -Infinity);
  const mask = opts.attnMask;
  if (mask) {
    if (mask.ndim < 2 || (mask.shape[mask.ndim - 2] !== L && mask.shape[mask.ndim - 2] !== 1))
      throw new RangeError(
        `scaledDotProductAttention: attnMask ${fmtShape(mask.shape)} does not broadcast to (…, ${L}, ${S})`,
      );
    scores = mask.dtype === "bool" ? scores.maskedFill(mask, -Infinity) : scores.add(mask);
  }
  return softmax(scores, -1);
}

/** A bool (L, S) mask that is true above the diagonal: query i may not see keys j > i. */
export function causalMask(L: number, S = L): Tensor {
  return arange(S).unsqueeze(0).gt(arange(L).unsqueeze(1));
}

/** Cached keys and values of earlier positions, (B, nh, past, hs) each; `past` counts them. */
export interface KVCache {
  entry: { k: Tensor; v: Tensor } | null;
  past: number;
}

export interface CausalSelfAttentionOptions {
  /** With a cache, qkv holds the new positions only; the cache grows by T. */
  cache?: KVCache;
  /** Dropout on the attention probabilities. */
  dropoutP?: number;
  /** Whether dropout applies (true by default, as in scaledDotProductAttention). */
  training?: boolean;
  /** Where dropout's key comes from (the default generator by default). */
  generator?: Generator;
}

/**
 * Causal self-attention from a fused projection qkv (B, T, 3C) to merged heads (B, T, C). The fused
 * kernel runs when it can (no cache) and the backend does not prefer the composition (cpu-js does: its
 * matmuls beat the kernel's loops); both compute the same function and, with dropout, draw the same key
 * from the generator and so drop the same probabilities.
 */
export function causalSelfAttention(
  qkv: Tensor,
  nHead: number,
  opts: CausalSelfAttentionOptions = {},
): Tensor {
  if (opts.cache || backendOf(qkv).preferComposition.includes("causalAttention"))
    return causalSelfAttentionComposed(qkv, nHead, opts);
  const mask = drawDropoutMask(opts.dropoutP ?? 0, opts.training ?? true, opts.generator);
  if (mask === "all") return causalSelfAttentionComposed(qkv, nHead, opts); // zeros, and nothing drawn
  return CausalAttention([qkv], { nh: nHead, dropout: mask === "none" ? undefined : mask });
}

/**
 * The definition: split q, k, v; softmax(q·kᵀ/√hs) over the allowed keys; weighted sum of v; heads
 * merged. With a cache, the cached keys and values of earlier positions are prepended.
 */
export function causalSelfAttentionComposed(
  qkv: Tensor,
  nHead: number,
  opts: CausalSelfAttentionOptions = {},
): Tensor {
  const [B, T, C3] = qkv.shape;
  const C = C3 / 3;
  const hs = C / nHead;
  const [q0, k0, v0] = qkv.split(C, 2);
  const heads = (t: Tensor) => t.view([B, T, nHead, hs]).transpose(1, 2); // (B, nh, T, hs)
  const q = heads(q0);
  let k = heads(k0);
  let v = heads(v0);
  const cache = opts.cache;
  const past = cache?.past ?? 0;
  if (cache) {
    if (cache.entry) {
      k = cat([cache.entry.k, k], 2); // (B, nh, past + T, hs)
      v = cat([cache.entry.v, v], 2);
    }
    cache.entry = { k, v };
  }
  // Query i (at position past + i) may see keys 0..past + i; one new token may see them all.
  const S = past + T;
  const on = { device: q.device };
  const mask =
    T > 1
      ? arange(0, S, 1, on)
          .unsqueeze(0)
          .gt(arange(0, T, 1, on).add(past).unsqueeze(1))
      : null;
  const y = scaledDotProductAttention(q, k, v, {
    attnMask: mask,
    dropoutP: opts.dropoutP ?? 0,
    training: opts.training,
    generator: opts.generator,
  }); // (B, nh, T, hs)
  return y.transpose(1, 2).reshape([B, T, C]); // (B, T, C)
}

interface AttentionAttrs {
  nh: number;
  lse?: Tensor;
  /** Dropout on the probabilities; backward recomputes the same mask from it. */
  dropout?: DropoutMask;
}

/** The fused kernel: qkv (B, T, 3C) -> (B, T, C), saving each row's log-sum-exp for backward. */
const CausalAttention = defineOp<AttentionAttrs>({
  name: "causalAttention",
  forward: ([qkv], a) => {
    const [B, T, C3] = qkv.shape;
    const hs = C3 / 3 / a.nh;
    const data = contiguous(qkv);
    // The kernel writes every element of both (each row's output and log-sum-exp).
    const out = Tensor.uninitialized([B, T, C3 / 3], qkv.dtype, qkv.device);
    a.lse = Tensor.uninitialized([B, a.nh, T], qkv.dtype, qkv.device);
    const scale = 1 / Math.sqrt(hs);
    backendOf(qkv).causalAttention(flat(data), out.storage, a.lse.storage, B, T, a.nh, hs, scale, a.dropout);
    return out;
  },
  vjp: (g, [qkv], out, a) => {
    const [B, T, C3] = qkv.shape;
    const hs = C3 / 3 / a.nh;
    const dqkv = Tensor.uninitialized(qkv.shape, qkv.dtype, qkv.device); // the kernel overwrites it
    backendOf(qkv).causalAttentionBackward(
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
      a.dropout,
    );
    return [dqkv];
  },
});

/**
 * The fused kernel alone, whatever the backend prefers, with a given dropout mask if any (for tests that
 * compare it with the composition, or check its gradient under a fixed mask).
 */
export function causalAttentionKernel(qkv: Tensor, nHead: number, dropout?: DropoutMask): Tensor {
  return CausalAttention([qkv], { nh: nHead, dropout });
}
