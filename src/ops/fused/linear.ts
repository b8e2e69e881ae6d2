/**
 * A linear layer's forward, y = x·Wᵀ + b: the composition that defines it (a matmul, then a broadcast
 * add), the fused op (one matmulBias call: the GEMM adds b to each block of y while it is in cache)
 * and the choice (the fused op whenever x, W and b are float tensors of one dtype and device).
 */
import { Tensor } from "../../tensor/tensor.js";
import { isFloating } from "../../tensor/dtype.js";
import { defineOp } from "../define.js";
import { foldRows, gemm, matmul, operand } from "../matmul.js";
import { contiguous, reshape } from "../movement.js";

/** x·Wᵀ + b with W of shape (out, in) and b of shape (out) (or none). Shapes are checked by the caller. */
export function linearOp(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  if (bias && fusable(x, weight, bias)) return LinearBias([x, weight, bias], undefined);
  return linearComposed(x, weight, bias);
}

/** The composition: the definition the fused op is tested against. */
export function linearComposed(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  const y = matmul(x, weight.mT);
  return bias ? y.add(bias) : y;
}

function fusable(x: Tensor, w: Tensor, b: Tensor): boolean {
  return (
    x.ndim >= 1 &&
    w.ndim === 2 &&
    b.ndim === 1 &&
    b.shape[0] === w.shape[0] &&
    isFloating(x.dtype) &&
    w.dtype === x.dtype &&
    b.dtype === x.dtype &&
    w.device === x.device &&
    b.device === x.device
  );
}

const LinearBias = defineOp<undefined>({
  name: "linear",
  forward: ([x, w, b]) => {
    const [n, k] = w.shape;
    // x's rows as one (rows, k) matrix (a copy only when its layout cannot be read as one).
    const rows = foldRows(x) ?? foldRows(contiguous(x))!;
    const out = gemm(rows, operand(w.mT, []), 1, rows.t.shape[0], n, k, contiguous(b));
    return new Tensor(out.storage, [...x.shape.slice(0, -1), n], undefined, 0, out.device);
  },
  // The gradients the composition's matmul and add give: dx = g·W, dW = gᵀ·x (in W's own layout),
  // db = g summed over every row.
  vjp: (g, [x, w, b]) => {
    const [n, k] = w.shape;
    const gRows = reshape(g, [-1, n]);
    return [
      x.requiresGrad ? matmul(g, w) : null,
      w.requiresGrad ? matmul(gRows.mT, reshape(x, [-1, k])) : null,
      b.requiresGrad ? gRows.sum(0) : null,
    ];
  },
});
