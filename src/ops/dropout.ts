/**
 * Dropout: an op of its own because compositions below nn (attention) apply it too. Its mask is never a
 * tensor: the backend's `dropout` kernel draws it from a counter-based generator (Philox4x32-10,
 * backend/philox.ts) under a key taken from the tensor layer's Generator, multiplies in the same pass,
 * and backward runs the same kernel with the same key on the gradient (as PyTorch's fused dropout
 * recomputes its mask). So a step draws two numbers on the host instead of one per element, uploads
 * nothing, and keeps no mask in memory; the same seed gives the same bits on every backend. The fused
 * causal attention (ops/fused/attention.ts) draws its mask with `drawDropoutMask` too, so it drops what
 * this op would drop on the attention probabilities.
 */
import { Tensor } from "../tensor/tensor.js";
import { isFloating } from "../tensor/dtype.js";
import { backendOf } from "../tensor/device.js";
import { defaultGenerator, type Generator } from "../tensor/random.js";
import type { DropoutMask } from "../backend/types.js";
import { defineOp, type Op } from "./define.js";
import { contiguous } from "./movement.js";
import { flat } from "./fused/rows.js";

/** Zeroes elements with probability p and scales the rest by 1/(1-p) while training. */
export function dropout(x: Tensor, p = 0.5, training = true, generator?: Generator): Tensor {
  if (!isFloating(x.dtype)) throw new TypeError(`dropout: expects a floating-point tensor, got ${x.dtype}`);
  const mask = drawDropoutMask(p, training, generator);
  if (mask === "none") return x;
  if (mask === "all") return x.mul(0);
  return Dropout([x], mask);
}

/**
 * The mask of one call dropping with probability p: "none" in eval mode or at p = 0 and "all" where no
 * 32-bit draw would be kept (p = 1 or next to it), both without drawing; else the keep rule under a
 * fresh key, two draws of the Generator.
 */
export function drawDropoutMask(
  p: number,
  training: boolean,
  generator?: Generator,
): DropoutMask | "none" | "all" {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`dropout: p must be in [0, 1], got ${p}`);
  if (!training || p === 0) return "none";
  // Keep when a 32-bit draw is at least this; at least 1, since threshold 0 means no dropout to kernels.
  const threshold = Math.max(1, Math.round(p * 2 ** 32));
  if (threshold >= 2 ** 32) return "all";
  const g = generator ?? defaultGenerator;
  // A 64-bit key (two draws): one call's mask must not repeat another's, and a long run makes ~10^5 calls,
  // where 32-bit keys would likely collide (the birthday bound).
  return { key0: g.nextUint32(), key1: g.nextUint32(), threshold, scale: 1 / (1 - p) };
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
