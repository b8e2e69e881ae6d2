/** Linear (y = x·Wᵀ + b) and Identity, as torch.nn.Linear and torch.nn.Identity. */
import { Tensor } from "../../tensor/tensor.js";
import { Module } from "../module.js";
import { Parameter } from "../parameter.js";
import { linear } from "../functional.js";
import { kaimingUniform_, uniform_ } from "../init.js";
import { pyBool } from "./repr.js";
import { checkFlag, checkSize } from "./validate.js";
import { checkAllocation } from "../../tensor/shape.js";
import { positionalOptions } from "../../util/options.js";

/**
 * Applies y = x·Wᵀ + b to the last dim. weight has shape (outFeatures, inFeatures) and, like bias,
 * starts as U(-1/√inFeatures, 1/√inFeatures) (PyTorch's kaiming_uniform with a = √5).
 * @example
 * const fc = new gs.nn.Linear(784, 256);
 * const y = fc.forward(gs.randn([32, 784])); // [32, 256]
 */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  weight: Parameter;
  bias: Parameter | null;

  /** `new Linear(2, 3, { bias: false })`, or PyTorch's positional `new Linear(2, 3, false)`. */
  constructor(
    inFeatures: number,
    outFeatures: number,
    ...rest: [opts?: { bias?: boolean }] | [bias: boolean]
  ) {
    super();
    const opts = positionalOptions<{ bias?: boolean }>("Linear", rest, ["bias"], ["bias"]);
    this.inFeatures = checkSize("Linear", "inFeatures", inFeatures);
    this.outFeatures = checkSize("Linear", "outFeatures", outFeatures);
    checkAllocation([outFeatures, inFeatures], "Linear");
    this.weight = new Parameter(Tensor.empty([outFeatures, inFeatures]));
    this.bias = checkFlag("Linear", "bias", opts.bias ?? true)
      ? new Parameter(Tensor.empty([outFeatures]))
      : null;
    this.resetParameters();
  }

  /** Draws fresh initial values, as at construction. */
  resetParameters(): void {
    kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias) {
      const bound = this.inFeatures > 0 ? 1 / Math.sqrt(this.inFeatures) : 0;
      uniform_(this.bias, -bound, bound);
    }
  }

  override forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${pyBool(this.bias !== null)}`;
  }
}

/** Returns its input unchanged: a placeholder where a layer is optional. */
export class Identity extends Module {
  override forward(x: Tensor): Tensor {
    return x;
  }
}
