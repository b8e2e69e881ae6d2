/** Dropout: an op of its own because compositions below nn (attention) apply it too. */
import { Tensor } from "../tensor/tensor.js";
import { isFloating } from "../tensor/dtype.js";
import { defaultGenerator, type Generator } from "../tensor/random.js";

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
  // The mask is drawn on the host (the generator lives there) and sent to x's device.
  return x.mul(x.device === "cpu" ? keep : keep.to(x.device));
}
