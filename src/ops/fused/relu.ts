/**
 * ReLU's backward as one kernel: dx = y > 0 ? g : 0 from the saved output y (PyTorch's
 * threshold_backward), instead of a mask, a cast and a product (three kernels and three arrays).
 * The composition beside it is the definition the kernel is tested against.
 */
import { Tensor } from "../../tensor/tensor.js";
import { backendOf } from "../../tensor/device.js";
import { contiguous } from "../movement.js";
import { where } from "../elementwise.js";
import { flat } from "./rows.js";

/** The gradient of relu's input from the gradient g of its output y. */
export function reluBackward(g: Tensor, y: Tensor): Tensor {
  if (g.dtype !== y.dtype) return reluBackwardComposed(g, y);
  const dx = Tensor.uninitialized(y.shape, y.dtype, y.device);
  backendOf(y).reluBackward(flat(contiguous(g)), flat(contiguous(y)), dx.storage);
  return dx;
}

/** The same as a composition of primitives. */
export function reluBackwardComposed(g: Tensor, y: Tensor): Tensor {
  return where(y.gt(0), g, 0);
}
