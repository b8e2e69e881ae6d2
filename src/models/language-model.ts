/**
 * What the language models share: the output type, the input checks, the loss over (B, T) targets with -1
 * ignored, and the sampling loop of generate().
 */
import { Tensor } from "../tensor/tensor.js";
import { fmtShape } from "../tensor/shape.js";
import { backendOf } from "../tensor/device.js";
import { cat } from "../ops/indexing.js";
import { noGrad } from "../autograd/grad-mode.js";
import * as F from "../nn/functional.js";
import { sampleNext, type SampleOptions } from "./sampling.js";

export interface LMOutput {
  /** (B, T, vocab) with targets; without targets only the last position, (B, 1, vocab). */
  logits: Tensor;
  /** Mean cross-entropy over the targets that are not -1, or null without targets. */
  loss: Tensor | null;
}

/** Checks idx (B, T) int32 and targets of the same shape; names the model. */
export function checkTokens(
  where: string,
  idx: Tensor,
  targets: Tensor | null | undefined,
  vocabSize: number,
): void {
  if (!(idx instanceof Tensor) || idx.ndim !== 2 || idx.dtype !== "int32")
    throw new RangeError(
      `${where}: idx must be an int32 tensor of shape (B, T), got ${idx instanceof Tensor ? `${idx.dtype} ${fmtShape(idx.shape)}` : typeof idx}`,
    );
  // A device the host cannot read checks no values (its embedding gathers NaN out of range, as index ops do).
  if (idx.device === "cpu" || backendOf(idx).hostVisible)
    for (const v of idx.toArray())
      if (v < 0 || v >= vocabSize)
        throw new RangeError(`${where}: token id ${v} is outside [0, ${vocabSize})`);
  if (
    targets &&
    (targets.ndim !== 2 || targets.shape[0] !== idx.shape[0] || targets.shape[1] !== idx.shape[1])
  )
    throw new RangeError(
      `${where}: targets ${fmtShape(targets.shape)} must match idx ${fmtShape(idx.shape)}`,
    );
}

/** Mean cross-entropy of logits (B, T, V) against targets (B, T), ignoring -1. */
export function lmLoss(logits: Tensor, targets: Tensor): Tensor {
  const V = logits.shape[logits.ndim - 1];
  return F.crossEntropy(logits.reshape([-1, V]), targets.reshape([-1]), { ignoreIndex: -1 });
}

/** Samples maxNewTokens tokens after idx (B, T), feeding each back; `step` gives the next logits (B, V). */
export function autoregress(
  idx: Tensor,
  maxNewTokens: number,
  opts: SampleOptions,
  step: (seq: Tensor) => Tensor,
): Tensor {
  if (!Number.isInteger(maxNewTokens) || maxNewTokens < 0)
    throw new RangeError(`generate: maxNewTokens must be an integer >= 0, got ${maxNewTokens}`);
  return noGrad(() => {
    let seq = idx;
    for (let i = 0; i < maxNewTokens; i++) seq = cat([seq, sampleNext(step(seq), opts).unsqueeze(1)], 1);
    return seq;
  });
}
