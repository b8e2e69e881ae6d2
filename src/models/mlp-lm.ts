/**
 * The MLP language model of Bengio et al. (2003), as in makemore (lecture 2 and makemore.py's MLP):
 * the previous blockSize tokens are looked up in an embedding table, concatenated, passed through one
 * tanh hidden layer, and projected to next-token logits. State-dict names follow makemore.py: `wte`,
 * `mlp.0` (hidden Linear), `mlp.2` (output Linear).
 */
import { Tensor } from "../tensor/tensor.js";
import { full } from "../tensor/create.js";
import { fmtShape } from "../tensor/shape.js";
import { cat } from "../ops/indexing.js";
import { Module } from "../nn/module.js";
import { Sequential } from "../nn/containers.js";
import { Embedding } from "../nn/layers/embedding.js";
import { Linear } from "../nn/layers/linear.js";
import { Tanh } from "../nn/layers/activations.js";
import type { SampleOptions } from "./sampling.js";
import { autoregress, checkTokens, lmLoss, type LMOutput } from "./language-model.js";

export interface MLPLMConfig {
  vocabSize: number;
  /** Tokens of context. Default 3 (makemore lecture 2). */
  blockSize: number;
  /** Embedding size per token. Default 10. */
  embedDim: number;
  /** Width of the tanh hidden layer. Default 200. */
  hiddenSize: number;
  /**
   * The token that fills the context before the start of a sequence. Default: an extra "blank" token
   * (id vocabSize, so the table has vocabSize + 1 rows), as makemore.py. The lecture notebook pads
   * names with their start token '.' (id 0): pass 0.
   */
  padId: number | null;
}

export const MLP_LM_DEFAULTS = { blockSize: 3, embedDim: 10, hiddenSize: 200, padId: null };

/**
 * @example
 * const model = new gs.models.MLPLanguageModel({ vocabSize: 27, blockSize: 3, padId: 0 });
 * const { logits, loss } = model.forward(x, y); // x, y: (B, T) int32, logits (B, T, 27)
 */
export class MLPLanguageModel extends Module {
  readonly config: MLPLMConfig;
  wte: Embedding;
  mlp: Sequential;

  constructor(config: Partial<MLPLMConfig> & Pick<MLPLMConfig, "vocabSize">) {
    super();
    const c: MLPLMConfig = { ...MLP_LM_DEFAULTS, ...config };
    for (const key of ["vocabSize", "blockSize", "embedDim", "hiddenSize"] as const)
      if (!Number.isInteger(c[key]) || c[key] <= 0)
        throw new RangeError(`MLPLanguageModel: ${key} must be a positive integer, got ${c[key]}`);
    if (c.padId !== null && (!Number.isInteger(c.padId) || c.padId < 0 || c.padId >= c.vocabSize))
      throw new RangeError(
        `MLPLanguageModel: padId must be null or a token id in [0, ${c.vocabSize}), got ${c.padId}`,
      );
    this.config = c;
    this.wte = new Embedding(c.vocabSize + (c.padId === null ? 1 : 0), c.embedDim);
    this.mlp = new Sequential(
      new Linear(c.blockSize * c.embedDim, c.hiddenSize),
      new Tanh(),
      new Linear(c.hiddenSize, c.vocabSize),
    );
  }

  get blockSize(): number {
    return this.config.blockSize;
  }

  /** The id that pads contexts before the sequence start. */
  get padId(): number {
    return this.config.padId ?? this.config.vocabSize;
  }

  /** The Bengio MLP on given contexts: ctx (N, blockSize) int32 -> logits (N, vocab). */
  forwardContexts(ctx: Tensor): Tensor {
    const { blockSize, embedDim } = this.config;
    if (ctx.ndim !== 2 || ctx.shape[1] !== blockSize || ctx.dtype !== "int32")
      throw new RangeError(
        `MLPLanguageModel.forwardContexts: ctx must be int32 (N, ${blockSize}), got ${ctx.dtype} ${fmtShape(ctx.shape)}`,
      );
    const emb = this.wte.forward(ctx); // (N, blockSize, E)
    return this.mlp.forward(emb.reshape([ctx.shape[0], blockSize * embedDim])) as Tensor; // (N, V)
  }

  /**
   * idx (B, T) -> logits (B, T, V): position t sees tokens t-blockSize+1 .. t (padded before the start),
   * and the mean cross-entropy when targets (B, T) are given (-1 ignored). Without targets, only the
   * last position's logits (B, 1, V).
   */
  forward(idx: Tensor, targets?: Tensor | null): LMOutput {
    checkTokens("MLPLanguageModel.forward", idx, targets, this.config.vocabSize);
    const [B, T] = idx.shape;
    const bs = this.config.blockSize;
    // The padding is made where idx lives, so that the model runs on any device.
    const padded = cat([full([B, bs - 1], this.padId, { dtype: "int32", device: idx.device }), idx], 1); // (B, T + bs - 1)
    const emb = this.wte.forward(padded); // (B, T + bs - 1, E)
    const first = targets ? 0 : T - 1;
    const n = T - first;
    // The context of position t is rows t .. t+bs-1 of the padded sequence, oldest first.
    const x = cat(
      Array.from({ length: bs }, (_, k) => emb.narrow(1, first + k, n)),
      2,
    ); // (B, n, bs·E)
    const logits = this.mlp.forward(x) as Tensor; // (B, n, V)
    return { logits, loss: targets ? lmLoss(logits, targets) : null };
  }

  /** Extends idx (B, T) by sampled tokens; only the last blockSize tokens matter. */
  generate(idx: Tensor, maxNewTokens: number, opts: SampleOptions = {}): Tensor {
    const wasTraining = this.training;
    this.eval();
    try {
      return autoregress(idx, maxNewTokens, opts, (seq) => {
        const T = seq.shape[1];
        const ctx = T > this.blockSize ? seq.narrow(1, T - this.blockSize, this.blockSize) : seq;
        return this.forward(ctx).logits.select(1, 0);
      });
    } finally {
      this.train(wasTraining);
    }
  }
}
