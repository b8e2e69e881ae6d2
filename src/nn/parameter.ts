/** Parameter: the tensor type that marks a module's learnable weights. */
import { Tensor } from "../tensor/tensor.js";
import { isFloating } from "../tensor/dtype.js";

/**
 * A leaf tensor that a Module registers as a parameter when it is assigned to one of the module's
 * properties. It is a subclass of Tensor (so `p instanceof Tensor` holds and every tensor method works)
 * that shares the storage of the tensor it wraps, like `torch.nn.Parameter(t)`; ops on it return plain
 * Tensors. It requires grad unless `requiresGrad` is false.
 * @example
 * class Scale extends gs.nn.Module {
 *   weight = new gs.nn.Parameter(gs.ones([3]));
 *   forward(x: gs.Tensor) { return x.mul(this.weight); }
 * }
 */
export class Parameter extends Tensor {
  constructor(data: Tensor, requiresGrad = true) {
    if (!(data instanceof Tensor))
      throw new TypeError(
        `Parameter: expected a Tensor to wrap, got ${data === null ? "null" : typeof data}`,
      );
    if (requiresGrad && !isFloating(data.dtype))
      throw new TypeError(
        `Parameter: only floating-point tensors can require grad, got ${data.dtype}; pass requiresGrad=false`,
      );
    super(data.storage, data.shape, data.strides, data.offset, data.device);
    if (requiresGrad) this.requiresGrad = true;
  }

  override toString(): string {
    return `Parameter containing:\n${super.toString()}`;
  }
}
