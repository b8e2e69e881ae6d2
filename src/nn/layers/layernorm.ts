/** LayerNorm, as torch.nn.LayerNorm. */
import { Tensor } from "../../tensor/tensor.js";
import { Module } from "../module.js";
import { Parameter } from "../parameter.js";
import { layerNorm } from "../functional.js";
import { ones_, zeros_ } from "../init.js";
import { pyBool, pyFloat, pyTuple } from "./repr.js";
import { checkFlag, checkSize } from "./validate.js";
import { positionalOptions } from "../../util/options.js";

export interface LayerNormOptions {
  eps?: number;
  /** Learn a per-element scale (weight, starting at 1) and shift (bias, starting at 0). */
  elementwiseAffine?: boolean;
  /** With elementwiseAffine, whether to learn the shift. */
  bias?: boolean;
}

/**
 * Normalises over the trailing `normalizedShape` dims to zero mean and unit variance (biased), then
 * scales by weight and shifts by bias.
 * @example
 * const ln = new gs.nn.LayerNorm(768);
 * const y = ln.forward(gs.randn([4, 16, 768]));
 */
export class LayerNorm extends Module {
  readonly normalizedShape: readonly number[];
  readonly eps: number;
  readonly elementwiseAffine: boolean;
  weight: Parameter | null;
  bias: Parameter | null;

  /** Options as an object, or PyTorch's positional (normalizedShape, eps, elementwiseAffine, bias). */
  constructor(
    normalizedShape: number | readonly number[],
    ...rest: [opts?: LayerNormOptions] | [eps?: number, elementwiseAffine?: boolean, bias?: boolean]
  ) {
    super();
    const keys = ["eps", "elementwiseAffine", "bias"] as const;
    const opts = positionalOptions<LayerNormOptions>("LayerNorm", rest, keys, keys);
    const shape = typeof normalizedShape === "number" ? [normalizedShape] : normalizedShape;
    if (!Array.isArray(shape))
      throw new TypeError(
        `LayerNorm: normalizedShape must be a number or an array of numbers, got ${typeof shape}`,
      );
    this.normalizedShape = Object.freeze(
      shape.map((s, i) => checkSize("LayerNorm", `normalizedShape[${i}]`, s)),
    );
    this.eps = opts.eps ?? 1e-5;
    if (typeof this.eps !== "number" || !(this.eps >= 0))
      throw new RangeError(`LayerNorm: eps must be a number >= 0, got ${String(this.eps)}`);
    this.elementwiseAffine = checkFlag("LayerNorm", "elementwiseAffine", opts.elementwiseAffine ?? true);
    checkFlag("LayerNorm", "bias", opts.bias ?? true);
    const affine = (on: boolean) => (on ? new Parameter(Tensor.empty(this.normalizedShape)) : null);
    this.weight = affine(this.elementwiseAffine);
    this.bias = affine(this.elementwiseAffine && (opts.bias ?? true));
    this.resetParameters();
  }

  /** weight to ones, bias to zeros. */
  resetParameters(): void {
    if (this.weight) ones_(this.weight);
    if (this.bias) zeros_(this.bias);
  }

  override forward(x: Tensor): Tensor {
    return layerNorm(x, this.normalizedShape, this.weight, this.bias, this.eps);
  }

  override extraRepr(): string {
    return `${pyTuple(this.normalizedShape)}, eps=${pyFloat(this.eps)}, elementwise_affine=${pyBool(this.elementwiseAffine)}`;
  }
}
