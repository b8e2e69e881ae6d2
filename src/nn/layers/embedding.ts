/** Embedding: a lookup table of learned vectors, as torch.nn.Embedding. */
import { Tensor } from "../../tensor/tensor.js";
import { fmtShape } from "../../tensor/shape.js";
import { noGrad } from "../../autograd/grad-mode.js";
import { Module } from "../module.js";
import { Parameter } from "../parameter.js";
import { embedding } from "../functional.js";
import { normal_ } from "../init.js";
import { checkSize } from "./validate.js";
import { checkAllocation } from "../../tensor/shape.js";
import { optionsOf, positionalOptions } from "../../util/options.js";

export interface EmbeddingOptions {
  /** A row that starts at zero and gets no gradient (a padding token); negative counts from the end. */
  paddingIdx?: number;
  /** The table to use, shape (numEmbeddings, embeddingDim), shared not copied (PyTorch's _weight). */
  weight?: Tensor;
}

/**
 * Maps int32 ids of any shape to rows of `weight` (numEmbeddings, embeddingDim): the output has shape
 * ids.shape + [embeddingDim]. The table starts as N(0, 1).
 * @example
 * const wte = new gs.nn.Embedding(50257, 768);
 * const x = wte.forward(gs.tensor([[1, 2, 3]], { dtype: "int32" })); // [1, 3, 768]
 */
export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly paddingIdx: number | null;
  weight: Parameter;

  /** Options as an object, or PyTorch's positional paddingIdx: `new Embedding(10, 4, 0)`. */
  constructor(
    numEmbeddings: number,
    embeddingDim: number,
    ...rest: [opts?: EmbeddingOptions] | [paddingIdx: number, opts?: EmbeddingOptions]
  ) {
    super();
    const opts = positionalOptions<EmbeddingOptions>(
      "Embedding",
      rest,
      ["paddingIdx"],
      ["paddingIdx", "weight"],
    );
    this.numEmbeddings = checkSize("Embedding", "numEmbeddings", numEmbeddings);
    this.embeddingDim = checkSize("Embedding", "embeddingDim", embeddingDim);
    checkAllocation([numEmbeddings, embeddingDim], "Embedding");
    this.paddingIdx = opts.paddingIdx === undefined ? null : paddingRow(opts.paddingIdx, numEmbeddings);
    if (opts.weight !== undefined) {
      const w = opts.weight;
      if (
        !(w instanceof Tensor) ||
        w.ndim !== 2 ||
        w.shape[0] !== numEmbeddings ||
        w.shape[1] !== embeddingDim
      )
        throw new RangeError(
          `Embedding: weight must be a Tensor of shape [${numEmbeddings}, ${embeddingDim}], got ${w instanceof Tensor ? fmtShape(w.shape) : typeof w}`,
        );
      this.weight = w instanceof Parameter ? w : new Parameter(w);
    } else {
      this.weight = new Parameter(Tensor.empty([numEmbeddings, embeddingDim]));
      this.resetParameters();
    }
  }

  /**
   * An Embedding holding `embeddings` (shared, not copied), frozen unless `freeze` is false.
   * @example const emb = gs.nn.Embedding.fromPretrained(vectors, { freeze: false });
   */
  static fromPretrained(embeddings: Tensor, options?: { freeze?: boolean; paddingIdx?: number }): Embedding {
    const opts = optionsOf("Embedding.fromPretrained", options, ["freeze", "paddingIdx"]);
    if (!(embeddings instanceof Tensor) || embeddings.ndim !== 2)
      throw new RangeError(
        `Embedding.fromPretrained: embeddings must be a 2-d Tensor, got ${embeddings instanceof Tensor ? fmtShape(embeddings.shape) : typeof embeddings}`,
      );
    const [n, d] = embeddings.shape;
    const weight = new Parameter(embeddings, !(opts.freeze ?? true));
    return new Embedding(n, d, { paddingIdx: opts.paddingIdx, weight });
  }

  /** Draws fresh N(0, 1) rows and zeroes the padding row. */
  resetParameters(): void {
    normal_(this.weight);
    if (this.paddingIdx !== null) {
      const row = this.paddingIdx;
      noGrad(() => this.weight.select(0, row).zero_());
    }
  }

  override forward(ids: Tensor): Tensor {
    let out: Tensor;
    try {
      out = embedding(ids, this.weight);
    } catch (e) {
      throw new RangeError(`Embedding(${this.extraRepr()}): ${(e as Error).message}`);
    }
    if (this.paddingIdx === null || !out.requiresGrad) return out;
    // As in PyTorch, the padding row receives no gradient: its positions read a detached copy.
    const keep = ids.ne(this.paddingIdx).unsqueeze(-1);
    return out.where(keep, out.detach());
  }

  override extraRepr(): string {
    const pad = this.paddingIdx === null ? "" : `, padding_idx=${this.paddingIdx}`;
    return `${this.numEmbeddings}, ${this.embeddingDim}${pad}`;
  }
}

function paddingRow(paddingIdx: number, numEmbeddings: number): number {
  if (!Number.isInteger(paddingIdx) || paddingIdx < -numEmbeddings || paddingIdx >= numEmbeddings)
    throw new RangeError(
      `Embedding: paddingIdx must be an integer in [${-numEmbeddings}, ${numEmbeddings - 1}], got ${paddingIdx}`,
    );
  return paddingIdx < 0 ? paddingIdx + numEmbeddings : paddingIdx;
}
