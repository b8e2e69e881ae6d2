/** Linear (y = x·Wᵀ + b) and Identity, as torch.nn.Linear and torch.nn.Identity. */
import { Tensor } from "../../tensor/tensor.js";
import { Module } from "../module.js";
import { Parameter } from "../parameter.js";
import { linear } from "../functional.js";
import { kaimingUniform_, uniform_ } from "../init.js";
import { pyBool } from "./repr.js";
import { checkSize } from "./validate.js";

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

  constructor(inFeatures: number, outFeatures: number, opts: { bias?: boolean } = {}) {
    super();
    this.inFeatures = checkSize("Linear", "inFeatures", inFeatures);
    this.outFeatures = checkSize("Linear", "outFeatures", outFeatures);
    this.weight = new Parameter(Tensor.empty([outFeatures, inFeatures]));
    this.bias = (opts.bias ?? true) ? new Parameter(Tensor.empty([outFeatures])) : null;
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
