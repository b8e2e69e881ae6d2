/**
 * layerNorm over the trailing `normalizedShape` dims: the composition that defines it
 * ((x - mean)·rsqrt(var + eps)·w + b), the fused kernel (one pass per row forward, one backward, with
 * the per-row mean and rstd saved in between) and the choice: the kernel when normalizing the last
 * dim alone, the composition for several trailing dims.
 */
import { Tensor } from "../../tensor/tensor.js";
import { fmtShape } from "../../tensor/shape.js";
import { isFloating } from "../../tensor/dtype.js";
import { backendOf } from "../../tensor/device.js";
import { defineOp } from "../define.js";
import { contiguous } from "../movement.js";
import { flat, rowsOf } from "./rows.js";

/** Normalises over the trailing `normalizedShape` dims, then scales and shifts. */
export function layerNorm(
  x: Tensor,
  normalizedShape: number | readonly number[],
  weight?: Tensor | null,
  bias?: Tensor | null,
  eps = 1e-5,
): Tensor {
  if (!(x instanceof Tensor) || !isFloating(x.dtype))
    throw new TypeError(
      `layerNorm: expects a floating-point tensor, got ${x instanceof Tensor ? x.dtype : typeof x}; cast it with .float()`,
    );
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
  if (shape.length === 1) {
    const inputs = [x, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
    return LayerNorm(inputs, { eps, hasWeight: !!weight, hasBias: !!bias });
  }
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

/** The fused kernel over the last dim, with an optional weight and bias of shape [cols]. */
const LayerNorm = defineOp<LayerNormAttrs>({
  name: "layerNorm",
  forward: (inputs, a) => {
    const { x, w, b } = layerNormInputs(inputs, a);
    const { data, rows, cols } = rowsOf(x);
    const out = Tensor.uninitialized(x.shape, x.dtype, x.device);
    a.mean = Tensor.uninitialized([rows], x.dtype, x.device);
    a.rstd = Tensor.uninitialized([rows], x.dtype, x.device);
    const ws = w ? flat(contiguous(w)) : null;
    const bs = b ? flat(contiguous(b)) : null;
    backendOf(x).layerNorm(
      flat(data),
      ws,
      bs,
      out.storage,
      a.mean.storage,
      a.rstd.storage,
      rows,
      cols,
      a.eps,
    );
    return out;
  },
  vjp: (g, inputs, _out, a) => {
    const { x, w, b } = layerNormInputs(inputs, a);
    const { data, rows, cols } = rowsOf(x);
    // The kernel writes dx, dw and db whole (dw and db are overwritten with their sums): no zeroing.
    const dx = Tensor.uninitialized(x.shape, x.dtype, x.device);
    const dw = w ? Tensor.uninitialized(w.shape, w.dtype, x.device) : null;
    const db = b ? Tensor.uninitialized(b.shape, b.dtype, x.device) : null;
    backendOf(x).layerNormBackward(
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
