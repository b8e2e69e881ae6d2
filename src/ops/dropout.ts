/**
 * Dropout: an op of its own because compositions below nn (attention) apply it too. Its mask is never a
 * tensor: the backend's `dropout` kernel draws it from a counter-based generator (Philox4x32-10,
 * backend/philox.ts) under a key taken from the tensor layer's Generator, multiplies in the same pass,
 * and backward runs the same kernel with the same key on the gradient (as PyTorch's fused dropout
 * recomputes its mask). So a step draws two numbers on the host instead of one per element, uploads
 * nothing, and keeps no mask in memory; the same seed gives the same bits on every backend.
 */
import { Tensor } from "../tensor/tensor.js";
import { isFloating } from "../tensor/dtype.js";
import { backendOf } from "../tensor/device.js";
import { defaultGenerator, type Generator } from "../tensor/random.js";
import { defineOp, type Op } from "./define.js";
import { contiguous } from "./movement.js";
import { flat } from "./fused/rows.js";

/** What fixes one call's mask: the Philox key and the keep rule (draw >= threshold keeps, scaled). */
interface DropoutMask {
  key0: number;
  key1: number;
  threshold: number;
  scale: number;
}

/** Zeroes elements with probability p and scales the rest by 1/(1-p) while training. */
export function dropout(x: Tensor, p = 0.5, training = true, generator?: Generator): Tensor {
  if (p < 0 || p > 1) throw new RangeError(`dropout: p must be in [0, 1], got ${p}`);
  if (!isFloating(x.dtype)) throw new TypeError(`dropout: expects a floating-point tensor, got ${x.dtype}`);
  if (!training || p === 0) return x;
  const threshold = Math.round(p * 2 ** 32); // keep when a 32-bit draw is at least this
  if (threshold >= 2 ** 32) return x.mul(0); // p = 1, or so close that no 32-bit draw is kept
  const g = generator ?? defaultGenerator;
  // A 64-bit key (two draws): one call's mask must not repeat another's, and a long run makes ~10^5 calls,
  // where 32-bit keys would likely collide (the birthday bound).
  const mask: DropoutMask = { key0: g.nextUint32(), key1: g.nextUint32(), threshold, scale: 1 / (1 - p) };
  return Dropout([x], mask);
}

/** x times its mask; linear in x, so the gradient is the same op on the output's gradient. */
const Dropout: Op<DropoutMask> = defineOp<DropoutMask>({
  name: "dropout",
  forward: ([x], m) => {
    const out = Tensor.uninitialized(x.shape, x.dtype, x.device);
    backendOf(x).dropout(flat(contiguous(x)), out.storage, m.key0, m.key1, m.threshold, m.scale);
    return out;
  },
  vjp: (g, _inputs, _out, m) => [Dropout([g], m)],
});
