/**
 * A sentence encoder for dense retrieval (sentence-transformers' recipe at a small size): token and
 * position embeddings, a Transformer encoder (torch.nn.TransformerEncoder), mean pooling over the real
 * tokens, and L2 normalisation, so that the dot product of two embeddings is their cosine similarity.
 * Two options aimed at lexical retrieval (SciFact rewards exact term overlap):
 * - `arch: "bag"`: no position embeddings and no encoder layers, the pooled token embeddings themselves (a
 *   wide embedding bag, fast to train and to index);
 * - `arch: "bigru"`: token embeddings read by a bidirectional GRU (torch.nn.GRU's names under `gru.`, each
 *   direction dModel / 2 wide, numLayers deep; padded steps skipped through the GRU's lengths), pooled;
 * - `pooling: "idf"`: a weighted mean with one weight per token id (the persistent buffer `token_weights`,
 *   set by `setTokenWeights`, e.g. the corpus's idf). With random N(0, 1) embeddings, an idf-weighted bag is a
 *   random projection of the document's tf-idf vector: cosines close to tf-idf's before any training.
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
import { GRU } from "../nn/layers/rnn.js";
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
  /** "transformer" (embeddings, positions, encoder layers), "bag" (token embeddings only) or "bigru". */
  arch: "transformer" | "bag" | "bigru";
  /** "mean" over the real tokens, or "idf": weighted by `token_weights` (one weight per id). */
  pooling: "mean" | "idf";
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
  arch: "transformer",
  pooling: "mean",
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
  embeddings: TextEmbeddings | null;
  /** arch "bag": the token embeddings alone. */
  word_embeddings: Embedding | null;
  encoder: TransformerEncoder | null;
  /** arch "bigru": a bidirectional GRU over the token embeddings. */
  gru: GRU | null;
  /** Pooling weight per token id (all 1 until `setTokenWeights`); used by pooling "idf". */
  token_weights: Tensor;

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
    if (c.arch !== "transformer" && c.arch !== "bag" && c.arch !== "bigru")
      throw new RangeError(`TextEncoder: arch must be "transformer", "bag" or "bigru", got "${c.arch}"`);
    if (c.arch === "bigru" && c.dModel % 2 !== 0)
      throw new RangeError(
        `TextEncoder: arch "bigru" needs an even dModel (two directions), got ${c.dModel}`,
      );
    if (c.pooling !== "mean" && c.pooling !== "idf")
      throw new RangeError(`TextEncoder: pooling must be "mean" or "idf", got "${c.pooling}"`);
    this.config = c;
    this.token_weights = this.registerBuffer(
      "token_weights",
      new Tensor(new Float32Array(c.vocabSize).fill(1), [c.vocabSize]),
    );
    if (c.arch !== "transformer") {
      this.embeddings = null;
      this.encoder = null;
      this.word_embeddings = new Embedding(c.vocabSize, c.dModel);
      this.gru =
        c.arch === "bigru"
          ? new GRU(c.dModel, c.dModel / 2, {
              numLayers: c.numLayers,
              batchFirst: true,
              bidirectional: true,
              dropout: c.numLayers > 1 ? c.dropout : 0,
            })
          : null;
      return;
    }
    this.word_embeddings = null;
    this.gru = null;
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

  /** Token states (B, L, dModel) of a padded batch (arch "bag": the token embeddings; "bigru": the GRU's outputs). */
  override forward(batch: TokenBatch): Tensor {
    const { ids, lengths } = this.check(batch);
    if (this.word_embeddings) {
      const x = this.word_embeddings.forward(ids); // (B, L, E)
      // A bag has no context to mask; the GRU stops each sequence at its length (zero outputs after).
      return this.gru ? this.gru.forward(x, null, { lengths })[0] : x;
    }
    const [B, L] = ids.shape;
    const padding = new Uint8Array(B * L);
    for (let b = 0; b < B; b++) padding.fill(1, b * L + lengths[b], (b + 1) * L);
    const x = this.embeddings!.forward(ids); // (B, L, E)
    return this.encoder!.forward(x, { srcKeyPaddingMask: new Tensor(padding, [B, L]) });
  }

  /** Sets the pooling weight of every token id (pooling "idf"): `weights` has vocabSize entries >= 0. */
  setTokenWeights(weights: ArrayLike<number>): void {
    if (weights.length !== this.config.vocabSize || !Array.from(weights).every((w) => w >= 0))
      throw new RangeError(`TextEncoder.setTokenWeights: expected ${this.config.vocabSize} weights >= 0`);
    this.token_weights = this.registerBuffer(
      "token_weights",
      new Tensor(Float32Array.from(weights), [this.config.vocabSize]),
    );
  }

  /**
   * Sentence embeddings (B, dModel): the mean of the real tokens' states (weighted by token_weights with
   * pooling "idf"), L2-normalised.
   */
  encode(batch: TokenBatch): Tensor {
    const h = this.forward(batch); // (B, L, E)
    const [B, L] = batch.ids.shape;
    const keep = new Float32Array(B * L);
    for (let b = 0; b < B; b++) keep.fill(1, b * L, b * L + batch.lengths[b]);
    if (this.config.pooling === "idf") {
      const w = this.token_weights.toArray() as Float32Array;
      const ids = batch.ids.toArray() as Int32Array;
      for (let i = 0; i < keep.length; i++) keep[i] *= w[ids[i]];
    }
    const totals = new Float32Array(B);
    for (let b = 0; b < B; b++) for (let l = 0; l < L; l++) totals[b] += keep[b * L + l];
    // A row whose every token weighs 0 pools to 0 rather than dividing by 0.
    for (let b = 0; b < B; b++) totals[b] = totals[b] > 0 ? totals[b] : 1;
    const mask = new Tensor(keep, [B, L, 1]).to(h.dtype);
    const counts = new Tensor(totals, [B, 1]).to(h.dtype);
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
