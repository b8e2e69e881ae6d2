/** gs.nn.functional: activations and losses, written as compositions of differentiable ops. */
import { Tensor } from "../tensor/tensor.js";
import { fmtShape } from "../tensor/shape.js";
import { isFloating } from "../tensor/dtype.js";
import { backendOf } from "../tensor/device.js";
import { linearOp } from "../ops/fused/linear.js";
import { softmax as softmaxOp, logSoftmax as logSoftmaxOp } from "../ops/composite.js";
import { classLossRows, type Reduction } from "../ops/fused/cross-entropy.js";
import { noGrad } from "../autograd/grad-mode.js";
import { optionsOf } from "../util/options.js";

// The fused ops (kernel, composition and the choice between them) live in ops/fused/.
import { gelu as geluOp, type GeluOptions } from "../ops/fused/gelu.js";
import { scaledDotProductAttention as attentionOp, type AttentionOptions } from "../ops/fused/attention.js";
export { geluComposed } from "../ops/fused/gelu.js";
export { layerNorm, layerNormComposed } from "../ops/fused/layer-norm.js";
export { classLossComposed } from "../ops/fused/cross-entropy.js";
export { attentionWeights, causalMask, type AttentionOptions } from "../ops/fused/attention.js";
export { dropout } from "../ops/dropout.js";
export type { Reduction };

/** x·Φ(x), or its tanh approximation: gelu(x, { approximate: "tanh" }) or PyTorch's gelu(x, "tanh"). */
export function gelu(x: Tensor, approximate?: GeluOptions | "none" | "tanh"): Tensor {
  const opts =
    typeof approximate === "string" ? { approximate } : optionsOf("gelu", approximate, ["approximate"]);
  return geluOp(x, opts);
}

/** softmax(q·kᵀ·scale + mask)·v; see ops/fused/attention.ts. */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, opts?: AttentionOptions): Tensor {
  const known = ["attnMask", "isCausal", "dropoutP", "scale", "training"];
  return attentionOp(q, k, v, optionsOf("scaledDotProductAttention", opts, known));
}

export const relu = (x: Tensor) => x.relu();
export const sigmoid = (x: Tensor) => x.sigmoid();
export const tanh = (x: Tensor) => x.tanh();
export const silu = (x: Tensor) => x.mul(x.sigmoid());
export const softmax = (x: Tensor, dim: number) => softmaxOp(x, dim);
export const logSoftmax = (x: Tensor, dim: number) => logSoftmaxOp(x, dim);

/** y = x·Wᵀ + b with W of shape (out, in), as nn.Linear. */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  const inF = weight.shape[1];
  if (x.shape[x.ndim - 1] !== inF)
    throw new RangeError(
      `linear: input of shape ${fmtShape(x.shape)} has last dim ${x.shape[x.ndim - 1]}, expected in_features=${inF}`,
    );
  return linearOp(x, weight, bias);
}

/** Rows of `weight` picked by integer ids: output shape is ids.shape + [embeddingDim]. */
export function embedding(ids: Tensor, weight: Tensor): Tensor {
  if (ids.dtype !== "int32") throw new TypeError(`embedding: ids must be an int32 tensor, got ${ids.dtype}`);
  return weight.indexSelect(0, ids.reshape([-1])).reshape([...ids.shape, weight.shape[1]]);
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
  opts?: Omit<CrossEntropyOptions, "labelSmoothing">,
): Tensor {
  const o = optionsOf("nllLoss", opts, ["ignoreIndex", "reduction", "weight"]);
  return classLoss(logProbs, target, { ...o, labelSmoothing: 0 }, "nllLoss", false);
}

/**
 * Cross-entropy from unnormalised logits (N, C, ...) and int32 class targets (N, ...), with
 * ignoreIndex (default -100), label smoothing and class weights as in PyTorch.
 */
export function crossEntropy(logits: Tensor, target: Tensor, opts?: CrossEntropyOptions): Tensor {
  const o = optionsOf("crossEntropy", opts, ["ignoreIndex", "reduction", "labelSmoothing", "weight"]);
  return classLoss(logits, target, o, "crossEntropy", true);
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
  // Bounds are checked where the host can see the targets (a GPU kernel guards its own reads).
  const ids = backendOf(t).hostVisible ? t.toArray() : [];
  for (const id of ids)
    if (id !== ignoreIndex && (id < 0 || id >= C))
      throw new RangeError(
        `${op}: target ${id} is out of bounds for ${C} classes (ignoreIndex is ${ignoreIndex})`,
      );
  if (weight && (weight.ndim !== 1 || weight.shape[0] !== C))
    throw new RangeError(`${op}: weight must have shape [${C}], got ${fmtShape(weight.shape)}`);
  // The fused kernel for plain cross-entropy, else the composition (ops/fused/cross-entropy.ts).
  return classLossRows(
    logits,
    t,
    outShape,
    { ignoreIndex, reduction, labelSmoothing, weight },
    fromLogits,
    op,
  );
}

const REDUCTION_ONLY = ["reduction"];

function checkSameShape(a: Tensor, b: Tensor, op: string): void {
  if (!(a instanceof Tensor) || !(b instanceof Tensor))
    throw new TypeError(`${op}: input and target must be Tensors, got ${typeof a} and ${typeof b}`);
  if (a.ndim !== b.ndim || a.shape.some((s, i) => s !== b.shape[i]))
    throw new RangeError(
      `${op}: input ${fmtShape(a.shape)} and target ${fmtShape(b.shape)} must have the same shape`,
    );
}

export function mseLoss(input: Tensor, target: Tensor, opts?: { reduction?: Reduction }): Tensor {
  const { reduction = "mean" } = optionsOf("mseLoss", opts, REDUCTION_ONLY);
  checkSameShape(input, target, "mseLoss");
  const d = input.sub(target);
  return reduce(d.mul(d), reduction, "mseLoss");
}

export function l1Loss(input: Tensor, target: Tensor, opts?: { reduction?: Reduction }): Tensor {
  const { reduction = "mean" } = optionsOf("l1Loss", opts, REDUCTION_ONLY);
  checkSameShape(input, target, "l1Loss");
  return reduce(input.sub(target).abs(), reduction, "l1Loss");
}

/**
 * Binary cross-entropy of probabilities; logs are clamped at -100 as in PyTorch. An input outside
 * [0, 1] (or NaN) is an error, as in PyTorch: logits belong in binaryCrossEntropyWithLogits.
 */
export function binaryCrossEntropy(input: Tensor, target: Tensor, opts?: { reduction?: Reduction }): Tensor {
  const { reduction = "mean" } = optionsOf("binaryCrossEntropy", opts, REDUCTION_ONLY);
  checkSameShape(input, target, "binaryCrossEntropy");
  checkProbabilities(input, "binaryCrossEntropy");
  const logP = input.log().clamp(-100);
  const log1mP = input.neg().add(1).log().clamp(-100);
  const loss = target.mul(logP).add(target.neg().add(1).mul(log1mP)).neg();
  return reduce(loss, reduction, "binaryCrossEntropy");
}

function checkProbabilities(input: Tensor, op: string): void {
  const values = noGrad(() => input.detach().toArray());
  for (const v of values)
    if (!(v >= 0 && v <= 1))
      throw new RangeError(
        `${op}: all elements of input should be between 0 and 1, got ${v} (for logits use binaryCrossEntropyWithLogits)`,
      );
}

/** Binary cross-entropy from logits, computed stably: max(x,0) - x·y + log(1 + exp(-|x|)). */
export function binaryCrossEntropyWithLogits(
  input: Tensor,
  target: Tensor,
  opts?: { reduction?: Reduction },
): Tensor {
  const { reduction = "mean" } = optionsOf("binaryCrossEntropyWithLogits", opts, REDUCTION_ONLY);
  checkSameShape(input, target, "binaryCrossEntropyWithLogits");
  const loss = input.relu().sub(input.mul(target)).add(input.abs().neg().exp().log1p());
  return reduce(loss, reduction, "binaryCrossEntropyWithLogits");
}

// Contrastive retrieval's loss (and the L2 normalisation it uses) live in their own file.
export { infoNCE, normalize, type InfoNCEOptions } from "./info-nce.js";
