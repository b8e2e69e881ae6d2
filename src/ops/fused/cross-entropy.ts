/**
 * Cross-entropy and NLL over rows of class scores: the composition that defines them (log-softmax,
 * gather the target, weights, label smoothing, reduction), the fused kernel (softmax and the loss in
 * one pass per row; backward softmax - onehot) and the choice: the kernel for plain cross-entropy from
 * logits (no class weights, no label smoothing), the composition otherwise.
 */
import { Tensor } from "../../tensor/tensor.js";
import { backendOf } from "../../tensor/device.js";
import { defineOp } from "../define.js";
import { where } from "../elementwise.js";
import { contiguous } from "../movement.js";
import { logSoftmax } from "./softmax.js";
import { flat, rowsOf } from "./rows.js";

export type Reduction = "mean" | "sum" | "none";

export interface ClassLossOptions {
  ignoreIndex: number;
  reduction: Reduction;
  labelSmoothing: number;
  weight?: Tensor;
}

/**
 * The loss of logits (or, with fromLogits false, log-probabilities) (R, C) against int32 targets (R),
 * reduced as opts.reduction says (shaped outShape for "none"). `op` names the caller in errors.
 */
export function classLossRows(
  logits: Tensor,
  t: Tensor,
  outShape: number[],
  opts: ClassLossOptions,
  fromLogits: boolean,
  op: string,
): Tensor {
  if (!(fromLogits && !opts.weight && opts.labelSmoothing === 0))
    return classLossComposed(logits, t, outShape, opts, fromLogits, op);
  const losses = CrossEntropyRows([logits, t], { ignoreIndex: opts.ignoreIndex });
  return reduced(losses, opts.reduction, outShape, op, () => t.ne(opts.ignoreIndex).sum().to(losses.dtype));
}

/** Per-row losses reduced: as they are (shaped outShape), summed, or summed and divided by `count`. */
function reduced(
  loss: Tensor,
  reduction: Reduction,
  outShape: number[],
  op: string,
  count: () => Tensor,
): Tensor {
  if (reduction === "none") return loss.reshape(outShape);
  if (reduction === "sum") return loss.sum();
  if (reduction !== "mean")
    throw new TypeError(`${op}: reduction must be "mean", "sum" or "none", got ${String(reduction)}`);
  return loss.sum().div(count());
}

/** Cross-entropy / NLL as a composition of primitives: the definition the fused kernel is tested against. */
export function classLossComposed(
  logits: Tensor,
  t: Tensor,
  outShape: number[],
  opts: ClassLossOptions,
  fromLogits: boolean,
  op: string,
): Tensor {
  const { ignoreIndex, reduction, labelSmoothing, weight } = opts;
  const C = logits.shape[1];
  const logp = fromLogits ? logSoftmax(logits, 1) : logits;
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
  return reduced(loss, reduction, outShape, op, () => w.sum());
}

interface CrossEntropySaved {
  ignoreIndex: number;
  probs?: Tensor;
}

/**
 * The gradient of CrossEntropyRows as one kernel: g_r · (softmax_r − onehot(target_r)), zero for ignored
 * rows (the composition `probs.scatterAdd(target, −1) · g · valid`, in one pass).
 */
const CrossEntropyRowsGrad = defineOp<CrossEntropySaved>({
  name: "crossEntropyBackward",
  forward: ([probs, target, g], saved) => {
    const { rows, cols } = rowsOf(probs);
    const dlogits = Tensor.uninitialized(probs.shape, probs.dtype, probs.device);
    backendOf(probs).crossEntropyBackward(
      probs.storage,
      flat(contiguous(target)) as Int32Array,
      flat(contiguous(g)),
      dlogits.storage,
      rows,
      cols,
      saved.ignoreIndex,
    );
    return dlogits;
  },
  vjp: "none",
});

/** The fused kernel: per-row losses of [rows, C] logits against int32 targets (0 at ignoreIndex). */
const CrossEntropyRows = defineOp<CrossEntropySaved>({
  name: "crossEntropy",
  forward: ([logits, target], saved) => {
    const { data, rows, cols } = rowsOf(logits);
    // The kernel writes every loss and probability.
    const losses = Tensor.uninitialized([rows], logits.dtype, logits.device);
    const probs = Tensor.uninitialized(logits.shape, logits.dtype, logits.device);
    backendOf(logits).crossEntropy(
      flat(data),
      flat(contiguous(target)) as Int32Array,
      losses.storage,
      probs.storage,
      rows,
      cols,
      saved.ignoreIndex,
    );
    saved.probs = probs;
    return losses;
  },
  vjp: (g, [, target], _out, saved) => [
    CrossEntropyRowsGrad([saved.probs!, target, g], { ignoreIndex: saved.ignoreIndex }),
    null,
  ],
});
