/**
 * GELU, x·Φ(x), exact (erf) or with GPT-2's tanh approximation: the composition that defines it, the
 * fused kernel (one pass forward, one backward) and the choice (the kernel, for every float tensor).
 */
import { Tensor } from "../../tensor/tensor.js";
import { isFloating } from "../../tensor/dtype.js";
import { backendOf } from "../../tensor/device.js";
import { defineOp } from "../define.js";
import { contiguous } from "../movement.js";
import { flat } from "./rows.js";

export interface GeluOptions {
  approximate?: "none" | "tanh";
}

function approximation(opts: GeluOptions): "none" | "tanh" {
  const approximate = opts.approximate ?? "none";
  if (approximate !== "none" && approximate !== "tanh")
    throw new TypeError(`gelu: approximate must be "none" or "tanh", got ${String(approximate)}`);
  return approximate;
}

/** GELU: x·Φ(x) exactly ("none"), or with the tanh approximation used by GPT-2 ("tanh"). */
export function gelu(x: Tensor, opts: GeluOptions = {}): Tensor {
  const approximate = approximation(opts);
  if (!isFloating(x.dtype)) throw new TypeError(`gelu: expects a floating-point tensor, got ${x.dtype}`);
  return Gelu([x], approximate === "tanh");
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** GELU as a composition of primitives: the definition the fused kernel is tested against. */
export function geluComposed(x: Tensor, opts: GeluOptions = {}): Tensor {
  if (approximation(opts) === "tanh") {
    const inner = x.add(x.mul(x).mul(x).mul(0.044715)).mul(SQRT_2_OVER_PI);
    return x.mul(0.5).mul(inner.tanh().add(1));
  }
  return x.mul(0.5).mul(x.mul(Math.SQRT1_2).erf().add(1));
}

/** The fused kernel; the attribute says whether to use the tanh approximation. */
const Gelu = defineOp<boolean>({
  name: "gelu",
  forward: ([x], tanh) => {
    const data = contiguous(x);
    const out = Tensor.uninitialized(x.shape, x.dtype, x.device);
    backendOf(x).gelu(flat(data), out.storage, tanh);
    return out;
  },
  vjp: (g, [x], _out, tanh) => {
    const dx = Tensor.uninitialized(x.shape, x.dtype, x.device);
    backendOf(x).geluBackward(flat(contiguous(g)), flat(contiguous(x)), dx.storage, tanh);
    return [dx];
  },
});
