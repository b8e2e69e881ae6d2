/**
 * A sentence encoder for dense retrieval (sentence-transformers' recipe at a small size): token and
 * position embeddings, a Transformer encoder (torch.nn.TransformerEncoder), mean pooling over the real
 * tokens, and L2 normalisation, so that the dot product of two embeddings is their cosine similarity.
 * State-dict names follow BERT's embeddings (`embeddings.word_embeddings.weight`,
 * `embeddings.position_embeddings.weight`, `embeddings.LayerNorm.weight`) and PyTorch's encoder
 * (`encoder.layers.0.self_attn.in_proj_weight`, `encoder.norm.weight` when pre-norm).
 */
import { Tensor } from "../tensor/tensor.js";
import { arange } from "../tensor/create.js";
import { fmtShape } from "../tensor/shape.js";
import { cat } from "../ops/indexing.js";
import { noGrad } from "../autograd/grad-mode.js";
import { Module } from "../nn/module.js";
import { Embedding } from "../nn/layers/embedding.js";
import { LayerNorm } from "../nn/layers/layernorm.js";
import { Dropout } from "../nn/layers/dropout.js";
import { TransformerEncoder, TransformerEncoderLayer } from "../nn/layers/transformer.js";
import * as F from "../nn/functional.js";

export interface TextEncoderConfig {
  vocabSize: number;
  dModel: number;
  nhead: number;
  numLayers: number;
  dimFeedforward: number;
  /** The longest token sequence (longer ones are cut by `padBatch`). */
  maxLen: number;
  dropout: number;
  /** Pre-norm layers (stable to train from scratch), with a final LayerNorm. */
  normFirst: boolean;
  /** The id that fills short sequences (never attended to, never pooled). */
  padId: number;
}

export const TEXT_ENCODER_DEFAULTS: Omit<TextEncoderConfig, "vocabSize"> = {
  dModel: 128,
  nhead: 4,
  numLayers: 2,
  dimFeedforward: 512,
  maxLen: 128,
  dropout: 0.1,
  normFirst: true,
  padId: 0,
};

/** A batch of token ids, padded: ids (B, L) int32 and each row's length. */
export interface TokenBatch {
  ids: Tensor;
  lengths: Int32Array;
}

/** Token plus position embeddings, then LayerNorm and dropout (BERT's embeddings without token types). */
class TextEmbeddings extends Module {
  word_embeddings: Embedding;
  position_embeddings: Embedding;
  LayerNorm: LayerNorm;
  dropout: Dropout;

  constructor(c: TextEncoderConfig) {
    super();
    this.word_embeddings = new Embedding(c.vocabSize, c.dModel);
    this.position_embeddings = new Embedding(c.maxLen, c.dModel);
    this.LayerNorm = new LayerNorm(c.dModel);
    this.dropout = new Dropout(c.dropout);
  }

  override forward(ids: Tensor): Tensor {
    const L = ids.shape[1];
    const pos = arange(0, L, 1, { dtype: "int32", device: ids.device });
    const x = this.word_embeddings.forward(ids).add(this.position_embeddings.forward(pos)); // (B, L, E)
    return this.dropout.forward(this.LayerNorm.forward(x));
  }
}

/**
 * @example
 * const enc = new gs.models.TextEncoder({ vocabSize: 4096 });
 * const batch = gs.models.TextEncoder.padBatch([[5, 9, 2], [7]], enc.config);
 * const emb = enc.encode(batch); // (2, 128), rows of norm 1
 */
export class TextEncoder extends Module {
  readonly config: TextEncoderConfig;
  embeddings: TextEmbeddings;
  encoder: TransformerEncoder;

  constructor(config: Partial<TextEncoderConfig> & Pick<TextEncoderConfig, "vocabSize">) {
    super();
    const c: TextEncoderConfig = { ...TEXT_ENCODER_DEFAULTS, ...config };
    for (const key of ["vocabSize", "dModel", "nhead", "numLayers", "dimFeedforward", "maxLen"] as const)
      if (!Number.isInteger(c[key]) || c[key] <= 0)
        throw new RangeError(`TextEncoder: ${key} must be a positive integer, got ${c[key]}`);
    if (c.dModel % c.nhead !== 0)
      throw new RangeError(`TextEncoder: dModel (${c.dModel}) must be divisible by nhead (${c.nhead})`);
    if (!Number.isInteger(c.padId) || c.padId < 0 || c.padId >= c.vocabSize)
      throw new RangeError(`TextEncoder: padId must be an id in [0, ${c.vocabSize}), got ${c.padId}`);
    this.config = c;
    this.embeddings = new TextEmbeddings(c);
    const layer = new TransformerEncoderLayer(c.dModel, c.nhead, {
      dimFeedforward: c.dimFeedforward,
      dropout: c.dropout,
      activation: "gelu",
      batchFirst: true,
      normFirst: c.normFirst,
    });
    this.encoder = new TransformerEncoder(layer, c.numLayers, {
      norm: c.normFirst ? new LayerNorm(c.dModel) : null,
    });
  }

  /**
   * Token sequences padded with padId to the longest (at most maxLen; longer ones keep their first maxLen
   * tokens). An empty sequence becomes one pad token that is pooled, so that every row has a length.
   */
  static padBatch(
    seqs: readonly (readonly number[])[],
    c: Pick<TextEncoderConfig, "maxLen" | "padId">,
  ): TokenBatch {
    if (seqs.length === 0) throw new Error("TextEncoder.padBatch: no sequences");
    const lengths = Int32Array.from(seqs, (s) => Math.max(1, Math.min(s.length, c.maxLen)));
    const L = Math.max(...lengths);
    const ids = new Int32Array(seqs.length * L).fill(c.padId);
    seqs.forEach((s, b) => ids.set(s.slice(0, lengths[b]), b * L));
    return { ids: new Tensor(ids, [seqs.length, L]), lengths };
  }

  /** Token states (B, L, dModel) of a padded batch. */
  override forward(batch: TokenBatch): Tensor {
    const { ids, lengths } = this.check(batch);
    const [B, L] = ids.shape;
    const padding = new Uint8Array(B * L);
    for (let b = 0; b < B; b++) padding.fill(1, b * L + lengths[b], (b + 1) * L);
    const x = this.embeddings.forward(ids); // (B, L, E)
    return this.encoder.forward(x, { srcKeyPaddingMask: new Tensor(padding, [B, L]) });
  }

  /** Sentence embeddings (B, dModel): the mean of the real tokens' states, L2-normalised. */
  encode(batch: TokenBatch): Tensor {
    const h = this.forward(batch); // (B, L, E)
    const [B, L] = batch.ids.shape;
    const keep = new Float32Array(B * L);
    for (let b = 0; b < B; b++) keep.fill(1, b * L, b * L + batch.lengths[b]);
    const mask = new Tensor(keep, [B, L, 1]).to(h.dtype);
    const counts = new Tensor(Float32Array.from(batch.lengths), [B, 1]).to(h.dtype);
    const pooled = h.mul(mask).sum(1).div(counts); // (B, E)
    return F.normalize(pooled);
  }

  /** encode() in eval mode, without gradients, in batches of `batchSize` (restores the mode after). */
  embed(seqs: readonly (readonly number[])[], batchSize = 64): Tensor {
    const wasTraining = this.training;
    this.eval();
    const rows: Tensor[] = [];
    try {
      noGrad(() => {
        for (let i = 0; i < seqs.length; i += batchSize)
          rows.push(this.encode(TextEncoder.padBatch(seqs.slice(i, i + batchSize), this.config)));
      });
    } finally {
      this.train(wasTraining);
    }
    return rows.length === 1 ? rows[0] : cat(rows, 0);
  }

  private check(batch: TokenBatch): TokenBatch {
    const { ids, lengths } = batch;
    if (ids.ndim !== 2 || ids.dtype !== "int32" || lengths.length !== ids.shape[0])
      throw new Error(
        `TextEncoder: expected int32 ids (B, L) and B lengths, got ${ids.dtype} ${fmtShape(ids.shape)} and ${lengths.length} lengths`,
      );
    if (ids.shape[1] > this.config.maxLen)
      throw new Error(`TextEncoder: sequences of ${ids.shape[1]} tokens exceed maxLen ${this.config.maxLen}`);
    return batch;
  }
}
