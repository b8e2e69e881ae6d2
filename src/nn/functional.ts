/** gs.nn.functional: activations and losses, written as compositions of differentiable ops. */
import { Tensor } from "../tensor/tensor.js";
import { fmtShape } from "../tensor/shape.js";
import { isFloating } from "../tensor/dtype.js";
import { arange } from "../tensor/create.js";
import { defaultGenerator, type Generator } from "../tensor/random.js";
import { where } from "../ops/elementwise.js";
import { matmul } from "../ops/matmul.js";
import { softmax as softmaxOp, logSoftmax as logSoftmaxOp } from "../ops/composite.js";
import { crossEntropyRows, geluFused, layerNormLastDim } from "../ops/fused.js";

export type Reduction = "mean" | "sum" | "none";

export const relu = (x: Tensor) => x.relu();
export const sigmoid = (x: Tensor) => x.sigmoid();
export const tanh = (x: Tensor) => x.tanh();
export const silu = (x: Tensor) => x.mul(x.sigmoid());
export const softmax = (x: Tensor, dim: number) => softmaxOp(x, dim);
export const logSoftmax = (x: Tensor, dim: number) => logSoftmaxOp(x, dim);

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** GELU: x·Φ(x) exactly ("none"), or with the tanh approximation used by GPT-2 ("tanh"). */
export function gelu(x: Tensor, opts: { approximate?: "none" | "tanh" } = {}): Tensor {
  const approximate = opts.approximate ?? "none";
  if (approximate !== "none" && approximate !== "tanh")
    throw new TypeError(`gelu: approximate must be "none" or "tanh", got ${String(approximate)}`);
  if (!isFloating(x.dtype)) throw new TypeError(`gelu: expects a floating-point tensor, got ${x.dtype}`);
  return geluFused(x, approximate === "tanh");
}

/** GELU as a composition of primitives: the definition the fused kernel is tested against. */
export function geluComposed(x: Tensor, opts: { approximate?: "none" | "tanh" } = {}): Tensor {
  const approximate = opts.approximate ?? "none";
  if (approximate === "tanh") {
    const inner = x.add(x.mul(x).mul(x).mul(0.044715)).mul(SQRT_2_OVER_PI);
    return x.mul(0.5).mul(inner.tanh().add(1));
  }
  if (approximate !== "none")
    throw new TypeError(`gelu: approximate must be "none" or "tanh", got ${String(approximate)}`);
  return x.mul(0.5).mul(x.mul(Math.SQRT1_2).erf().add(1));
}

/** y = x·Wᵀ + b with W of shape (out, in), as nn.Linear. */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  const inF = weight.shape[1];
  if (x.shape[x.ndim - 1] !== inF)
    throw new RangeError(
      `linear: input of shape ${fmtShape(x.shape)} has last dim ${x.shape[x.ndim - 1]}, expected in_features=${inF}`,
    );
  const y = matmul(x, weight.mT);
  return bias ? y.add(bias) : y;
}

/** Zeroes elements with probability p and scales the rest by 1/(1-p) while training. */
export function dropout(x: Tensor, p = 0.5, training = true, generator?: Generator): Tensor {
  if (p < 0 || p > 1) throw new RangeError(`dropout: p must be in [0, 1], got ${p}`);
  if (!isFloating(x.dtype)) throw new TypeError(`dropout: expects a floating-point tensor, got ${x.dtype}`);
  if (!training || p === 0) return x;
  if (p === 1) return x.mul(0);
  // One pass to draw the mask (already scaled), one product forward and one backward: rand, a comparison,
  // a cast and a division cost four more passes over memory, each with an allocation.
  const keep = Tensor.empty(x.shape, x.dtype);
  const mask = keep.storage;
  const threshold = Math.round(p * 2 ** 32); // keep when a 32-bit draw is at least this
  const scale = 1 / (1 - p);
  const g = generator ?? defaultGenerator;
  for (let i = 0; i < mask.length; i++) mask[i] = g.nextUint32() >= threshold ? scale : 0;
  return x.mul(keep);
}

/** Rows of `weight` picked by integer ids: output shape is ids.shape + [embeddingDim]. */
export function embedding(ids: Tensor, weight: Tensor): Tensor {
  if (ids.dtype !== "int32") throw new TypeError(`embedding: ids must be an int32 tensor, got ${ids.dtype}`);
  return weight.indexSelect(0, ids.reshape([-1])).reshape([...ids.shape, weight.shape[1]]);
}

/** Normalises over the trailing `normalizedShape` dims, then scales and shifts. */
export function layerNorm(
  x: Tensor,
  normalizedShape: number | readonly number[],
  weight?: Tensor | null,
  bias?: Tensor | null,
  eps = 1e-5,
): Tensor {
  const shape = typeof normalizedShape === "number" ? [normalizedShape] : [...normalizedShape];
  const tail = x.shape.slice(x.ndim - shape.length);
  if (shape.length > x.ndim || tail.some((s, i) => s !== shape[i]))
    throw new RangeError(
      `layerNorm: input shape ${fmtShape(x.shape)} does not end with normalizedShape ${fmtShape(shape)}`,
    );
  const affineShapeOk = (t?: Tensor | null) =>
    !t || (t.ndim === shape.length && t.shape.every((s, i) => s === shape[i]));
  if (!affineShapeOk(weight) || !affineShapeOk(bias))
    throw new RangeError(
      `layerNorm: weight ${weight ? fmtShape(weight.shape) : "none"} and bias ${bias ? fmtShape(bias.shape) : "none"} must have normalizedShape ${fmtShape(shape)}`,
    );
  if (shape.length === 1) return layerNormLastDim(x, weight ?? null, bias ?? null, eps);
  return layerNormComposed(x, shape, weight, bias, eps);
}

/** layerNorm as a composition of primitives: the definition the fused kernel is tested against. */
export function layerNormComposed(
  x: Tensor,
  normalizedShape: number | readonly number[],
  weight?: Tensor | null,
  bias?: Tensor | null,
  eps = 1e-5,
): Tensor {
  const shape = typeof normalizedShape === "number" ? [normalizedShape] : [...normalizedShape];
  const dims = shape.map((_, i) => x.ndim - shape.length + i);
  const mean = x.mean(dims, true);
  const centered = x.sub(mean);
  const variance = centered.mul(centered).mean(dims, true);
  let y = centered.mul(variance.add(eps).rsqrt());
  if (weight) y = y.mul(weight);
  if (bias) y = y.add(bias);
  return y;
}

function reduce(loss: Tensor, reduction: Reduction, op: string): Tensor {
  if (reduction === "mean") return loss.mean();
  if (reduction === "sum") return loss.sum();
  if (reduction === "none") return loss;
  throw new TypeError(`${op}: reduction must be "mean", "sum" or "none", got ${String(reduction)}`);
}

export interface CrossEntropyOptions {
  ignoreIndex?: number;
  reduction?: Reduction;
  labelSmoothing?: number;
  weight?: Tensor;
}

/** Moves the class dim last and flattens: (N, C, d1, ...) -> (N·d1·..., C); (C) -> (1, C). */
function classesLast(
  input: Tensor,
  target: Tensor,
  op: string,
): { logits: Tensor; target: Tensor; outShape: number[] } {
  if (input.ndim === 1) return { logits: input.unsqueeze(0), target: target.reshape([-1]), outShape: [] };
  if (input.ndim < 1)
    throw new RangeError(`${op}: input must have a class dim, got shape ${fmtShape(input.shape)}`);
  const C = input.shape[1];
  const want = [input.shape[0], ...input.shape.slice(2)];
  if (target.ndim !== want.length || target.shape.some((s, i) => s !== want[i]))
    throw new RangeError(
      `${op}: target shape ${fmtShape(target.shape)} does not match input ${fmtShape(input.shape)}; expected ${fmtShape(want)}`,
    );
  const perm = [0, ...input.shape.slice(2).map((_, i) => i + 2), 1];
  return { logits: input.permute(perm).reshape([-1, C]), target: target.reshape([-1]), outShape: want };
}

/** Negative log-likelihood of class targets given log-probabilities (N, C, ...). */
export function nllLoss(
  logProbs: Tensor,
  target: Tensor,
  opts: Omit<CrossEntropyOptions, "labelSmoothing"> = {},
): Tensor {
  return classLoss(logProbs, target, { ...opts, labelSmoothing: 0 }, "nllLoss", false);
}

/**
 * Cross-entropy from unnormalised logits (N, C, ...) and int32 class targets (N, ...), with
 * ignoreIndex (default -100), label smoothing and class weights as in PyTorch.
 */
export function crossEntropy(logits: Tensor, target: Tensor, opts: CrossEntropyOptions = {}): Tensor {
  return classLoss(logits, target, opts, "crossEntropy", true);
}

function classLoss(
  input: Tensor,
  target: Tensor,
  opts: CrossEntropyOptions,
  op: string,
  fromLogits: boolean,
): Tensor {
  const { ignoreIndex = -100, reduction = "mean", labelSmoothing = 0, weight } = opts;
  if (!isFloating(input.dtype))
    throw new TypeError(`${op}: input must be floating point, got ${input.dtype}`);
  if (target.dtype !== "int32")
    throw new TypeError(`${op}: target must hold int32 class indices, got ${target.dtype}`);
  if (labelSmoothing < 0 || labelSmoothing > 1)
    throw new RangeError(`${op}: labelSmoothing must be in [0, 1], got ${labelSmoothing}`);
  const { logits, target: t, outShape } = classesLast(input, target, op);
  const C = logits.shape[1];
  const ids = t.toArray();
  for (const id of ids)
    if (id !== ignoreIndex && (id < 0 || id >= C))
      throw new RangeError(
        `${op}: target ${id} is out of bounds for ${C} classes (ignoreIndex is ${ignoreIndex})`,
      );
  if (weight && (weight.ndim !== 1 || weight.shape[0] !== C))
    throw new RangeError(`${op}: weight must have shape [${C}], got ${fmtShape(weight.shape)}`);
  if (fromLogits && !weight && labelSmoothing === 0) {
    // The common case runs as one fused kernel forward and one backward.
    const losses = crossEntropyRows(logits, t, ignoreIndex);
    if (reduction === "none") return losses.reshape(outShape);
    if (reduction === "sum") return losses.sum();
    if (reduction !== "mean")
      throw new TypeError(`${op}: reduction must be "mean", "sum" or "none", got ${String(reduction)}`);
    return losses.sum().div(t.ne(ignoreIndex).sum().to(losses.dtype));
  }
  return classLossComposed(
    logits,
    t,
    outShape,
    { ignoreIndex, reduction, labelSmoothing, weight },
    fromLogits,
    op,
  );
}

/** Cross-entropy / NLL as a composition of primitives: the definition the fused kernel is tested against. */
export function classLossComposed(
  logits: Tensor,
  t: Tensor,
  outShape: number[],
  opts: Required<Omit<CrossEntropyOptions, "weight">> & { weight?: Tensor },
  fromLogits: boolean,
  op: string,
): Tensor {
  const { ignoreIndex, reduction, labelSmoothing, weight } = opts;
  const C = logits.shape[1];
  const logp = fromLogits ? logSoftmaxOp(logits, 1) : logits;
  const valid = t.ne(ignoreIndex);
  const safeT = where(valid, t, 0);
  const picked = logp.gather(1, safeT.unsqueeze(1)).squeeze(1);
  const w = weight ? weight.indexSelect(0, safeT).mul(valid) : valid.to(logp.dtype);
  let loss = picked.neg().mul(w);
  if (labelSmoothing > 0) {
    const perClass = weight ? logp.mul(weight) : logp;
    const smooth = perClass.sum(1).neg().mul(valid);
    loss = loss.mul(1 - labelSmoothing).add(smooth.mul(labelSmoothing / C));
  }
  if (reduction === "none") return loss.reshape(outShape);
  if (reduction === "sum") return loss.sum();
  if (reduction !== "mean")
    throw new TypeError(`${op}: reduction must be "mean", "sum" or "none", got ${String(reduction)}`);
  return loss.sum().div(w.sum());
}

function checkSameShape(a: Tensor, b: Tensor, op: string): void {
  if (a.ndim !== b.ndim || a.shape.some((s, i) => s !== b.shape[i]))
    throw new RangeError(
      `${op}: input ${fmtShape(a.shape)} and target ${fmtShape(b.shape)} must have the same shape`,
    );
}

export function mseLoss(input: Tensor, target: Tensor, opts: { reduction?: Reduction } = {}): Tensor {
  checkSameShape(input, target, "mseLoss");
  const d = input.sub(target);
  return reduce(d.mul(d), opts.reduction ?? "mean", "mseLoss");
}

export function l1Loss(input: Tensor, target: Tensor, opts: { reduction?: Reduction } = {}): Tensor {
  checkSameShape(input, target, "l1Loss");
  return reduce(input.sub(target).abs(), opts.reduction ?? "mean", "l1Loss");
}

/** Binary cross-entropy of probabilities; logs are clamped at -100 as in PyTorch. */
export function binaryCrossEntropy(
  input: Tensor,
  target: Tensor,
  opts: { reduction?: Reduction } = {},
): Tensor {
  checkSameShape(input, target, "binaryCrossEntropy");
  const logP = input.log().clamp(-100);
  const log1mP = input.neg().add(1).log().clamp(-100);
  const loss = target.mul(logP).add(target.neg().add(1).mul(log1mP)).neg();
  return reduce(loss, opts.reduction ?? "mean", "binaryCrossEntropy");
}

/** Binary cross-entropy from logits, computed stably: max(x,0) - x·y + log(1 + exp(-|x|)). */
export function binaryCrossEntropyWithLogits(
  input: Tensor,
  target: Tensor,
  opts: { reduction?: Reduction } = {},
): Tensor {
  checkSameShape(input, target, "binaryCrossEntropyWithLogits");
  const loss = input.relu().sub(input.mul(target)).add(input.abs().neg().exp().log1p());
  return reduce(loss, opts.reduction ?? "mean", "binaryCrossEntropyWithLogits");
}

export interface AttentionOptions {
  /** bool: true where a query may NOT attend to a key; float: added to the scores. Broadcasts to (..., L, S). */
  attnMask?: Tensor | null;
  /** Masks keys after each query's position (a lower-triangular pattern over the last L×S block). */
  isCausal?: boolean;
  dropoutP?: number;
  /** Scale of the scores; 1/√E by default. */
  scale?: number;
  training?: boolean;
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
  const dropped = opts.dropoutP ? dropout(att, opts.dropoutP, opts.training ?? true) : att;
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
  return softmaxOp(scores, -1);
}

/** A bool (L, S) mask that is true above the diagonal: query i may not see keys j > i. */
export function causalMask(L: number, S = L): Tensor {
  return arange(S).unsqueeze(0).gt(arange(L).unsqueeze(1));
}
