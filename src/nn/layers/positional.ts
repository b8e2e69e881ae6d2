/** Position information for Transformers: fixed sinusoids (Vaswani et al.) and learned position embeddings. */
import { Tensor } from "../../tensor/tensor.js";
import { fmtShape } from "../../tensor/shape.js";
import { Module } from "../module.js";
import { Parameter } from "../parameter.js";
import { normal_ } from "../init.js";
import { Dropout } from "./dropout.js";
import { checkSize } from "./validate.js";
import { optionsOf } from "../../util/options.js";

export interface PositionalOptions {
  /** Dropout after adding the positions (default 0.1, as the Annotated Transformer). */
  dropout?: number;
  /** The longest sequence (default 5000). */
  maxLen?: number;
  /** x is (N, L, E) instead of (L, N, E) (default false, as nn.Transformer). */
  batchFirst?: boolean;
}

/** The (maxLen, dModel) sinusoid table: PE[p, 2i] = sin(p / 10000^(2i/d)), PE[p, 2i+1] = cos(same). */
export function sinusoidTable(maxLen: number, dModel: number): Tensor {
  const pe = new Float32Array(maxLen * dModel);
  for (let pos = 0; pos < maxLen; pos++)
    for (let i = 0; i < dModel; i += 2) {
      const angle = pos * Math.exp((-i * Math.log(10000)) / dModel);
      pe[pos * dModel + i] = Math.sin(angle);
      if (i + 1 < dModel) pe[pos * dModel + i + 1] = Math.cos(angle);
    }
  return new Tensor(pe, [maxLen, dModel]);
}

function checkLength(where: string, x: Tensor, dModel: number, maxLen: number, batchFirst: boolean): number {
  if (x.ndim !== 3 || x.shape[2] !== dModel)
    throw new RangeError(
      `${where}: input must be ${batchFirst ? "(N, L, E)" : "(L, N, E)"} with E=${dModel}, got ${fmtShape(x.shape)}`,
    );
  const L = x.shape[batchFirst ? 1 : 0];
  if (L > maxLen) throw new RangeError(`${where}: sequence length ${L} exceeds maxLen=${maxLen}`);
  return L;
}

/**
 * Adds the fixed sinusoidal position encoding of "Attention Is All You Need" (d2l 11.6, the Annotated
 * Transformer), then dropout. The table is a non-persistent buffer `pe`, so it stays out of checkpoints.
 * @example
 * const pos = new gs.nn.PositionalEncoding(256, { dropout: 0.1, batchFirst: true });
 * const x = pos.forward(emb); // emb (N, L, 256)
 */
export class PositionalEncoding extends Module {
  readonly dModel: number;
  readonly maxLen: number;
  readonly batchFirst: boolean;
  dropout: Dropout;
  declare pe: Tensor;

  constructor(dModel: number, options?: PositionalOptions) {
    super();
    const opts = optionsOf("PositionalEncoding", options, ["maxLen", "batchFirst", "dropout"]);
    this.dModel = checkSize("PositionalEncoding", "dModel", dModel);
    this.maxLen = checkSize("PositionalEncoding", "maxLen", opts.maxLen ?? 5000);
    this.batchFirst = opts.batchFirst ?? false;
    this.dropout = new Dropout(opts.dropout ?? 0.1);
    this.registerBuffer("pe", sinusoidTable(this.maxLen, dModel), { persistent: false });
  }

  override forward(x: Tensor): Tensor {
    const L = checkLength("PositionalEncoding", x, this.dModel, this.maxLen, this.batchFirst);
    const pe = this.pe.narrow(0, 0, L).to(x.dtype); // (L, E)
    return this.dropout.forward(x.add(this.batchFirst ? pe : pe.unsqueeze(1)));
  }
}

/**
 * Adds a learned embedding of each position (BERT, GPT, bentrevett's Transformer), then dropout.
 * `weight` (maxLen, dModel) starts as N(0, 1), like nn.Embedding.
 * @example const pos = new gs.nn.LearnedPositionalEmbedding(100, 256, { batchFirst: true });
 */
export class LearnedPositionalEmbedding extends Module {
  readonly dModel: number;
  readonly maxLen: number;
  readonly batchFirst: boolean;
  weight: Parameter;
  dropout: Dropout;

  constructor(maxLen: number, dModel: number, options?: Omit<PositionalOptions, "maxLen">) {
    super();
    const opts = optionsOf("LearnedPositionalEmbedding", options, ["batchFirst", "dropout"]);
    this.maxLen = checkSize("LearnedPositionalEmbedding", "maxLen", maxLen);
    this.dModel = checkSize("LearnedPositionalEmbedding", "dModel", dModel);
    this.batchFirst = opts.batchFirst ?? false;
    this.weight = new Parameter(Tensor.empty([maxLen, dModel]));
    normal_(this.weight);
    this.dropout = new Dropout(opts.dropout ?? 0.1);
  }

  override forward(x: Tensor): Tensor {
    const L = checkLength("LearnedPositionalEmbedding", x, this.dModel, this.maxLen, this.batchFirst);
    const pos = this.weight.narrow(0, 0, L); // (L, E)
    return this.dropout.forward(x.add(this.batchFirst ? pos : pos.unsqueeze(1)));
  }
}
