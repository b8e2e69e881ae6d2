/**
 * The encoder-decoder Transformer for translation ("Attention Is All You Need"; d2l 11.7; the Annotated
 * Transformer; PyTorch's Multi30k tutorial): token embeddings scaled by √d_model plus sinusoidal (or
 * learned) positions, nn.Transformer, and a linear generator over the target vocabulary. Source and
 * target embeddings may be shared (one vocabulary for both sides). Trained with label smoothing.
 */
import { Tensor } from "../tensor/tensor.js";
import { fmtShape } from "../tensor/shape.js";
import { noGrad } from "../autograd/grad-mode.js";
import { Module } from "../nn/module.js";
import { Linear } from "../nn/layers/linear.js";
import { Embedding } from "../nn/layers/embedding.js";
import { Transformer, TransformerDecoder } from "../nn/layers/transformer.js";
import { LearnedPositionalEmbedding, PositionalEncoding } from "../nn/layers/positional.js";
import * as F from "../nn/functional.js";
import * as init from "../nn/init.js";
import {
  translateBatch,
  translationLoss,
  type BeamSearchOptions,
  type Hypothesis,
  type StepOutput,
  type Translator,
} from "./decoding.js";

export interface TransformerTranslatorConfig {
  srcVocabSize: number;
  tgtVocabSize: number;
  dModel: number;
  nhead: number;
  numEncoderLayers: number;
  numDecoderLayers: number;
  dimFeedforward: number;
  dropout: number;
  activation: "relu" | "gelu";
  /** Pre-norm layers instead of the paper's post-norm. */
  normFirst: boolean;
  /** The longest sequence the positions cover. */
  maxLen: number;
  positional: "sinusoidal" | "learned";
  /** One embedding table for source and target (needs one shared vocabulary). */
  shareEmbeddings: boolean;
  padId: number;
  bosId: number;
  eosId: number;
}

export const TRANSFORMER_MT_DEFAULTS: Omit<TransformerTranslatorConfig, "srcVocabSize" | "tgtVocabSize"> = {
  dModel: 256,
  nhead: 8,
  numEncoderLayers: 3,
  numDecoderLayers: 3,
  dimFeedforward: 512,
  dropout: 0.1,
  activation: "relu",
  normFirst: false,
  maxLen: 256,
  positional: "sinusoidal",
  shareEmbeddings: false,
  padId: 1,
  bosId: 2,
  eosId: 3,
};

/** Decoding state: the encoded source. */
export interface TransformerMTState {
  /** (B, S, dModel) */
  memory: Tensor;
  /** (B, S) bool, true at padding. */
  srcPadding: Tensor;
}

/** The source padding mask (B, S) from lengths. */
function paddingFromLengths(lengths: Int32Array, S: number): Tensor {
  const B = lengths.length;
  const m = new Uint8Array(B * S);
  for (let b = 0; b < B; b++) m.fill(1, b * S + lengths[b], (b + 1) * S);
  return new Tensor(m, [B, S]);
}

/**
 * Module tree as PyTorch's translation tutorial: src_tok_emb, tgt_tok_emb, positional_encoding,
 * transformer (nn.Transformer, batch first), generator. Every >1-d parameter starts Xavier-uniform.
 * @example
 * const model = new gs.models.TransformerTranslator({ srcVocabSize: 8000, tgtVocabSize: 6000 });
 * const logits = model.forward(batch.src, batch.tgtIn, { srcPaddingMask, tgtPaddingMask }); // (B, T, 6000)
 * const [hyp] = model.translate(src, lengths, { beamSize: 5, lengthPenalty: 0.6 });
 */
export class TransformerTranslator extends Module implements Translator<TransformerMTState> {
  readonly config: TransformerTranslatorConfig;
  src_tok_emb: Embedding;
  tgt_tok_emb: Embedding;
  positional_encoding: PositionalEncoding | LearnedPositionalEmbedding;
  transformer: Transformer;
  generator: Linear;

  constructor(
    config: Partial<TransformerTranslatorConfig> &
      Pick<TransformerTranslatorConfig, "srcVocabSize" | "tgtVocabSize">,
  ) {
    super();
    const c: TransformerTranslatorConfig = { ...TRANSFORMER_MT_DEFAULTS, ...config };
    for (const key of [
      "srcVocabSize",
      "tgtVocabSize",
      "dModel",
      "nhead",
      "dimFeedforward",
      "maxLen",
    ] as const)
      if (!Number.isInteger(c[key]) || c[key] <= 0)
        throw new RangeError(`TransformerTranslator: ${key} must be a positive integer, got ${c[key]}`);
    if (c.shareEmbeddings && c.srcVocabSize !== c.tgtVocabSize)
      throw new RangeError(
        `TransformerTranslator: shareEmbeddings needs one vocabulary, but srcVocabSize=${c.srcVocabSize} and tgtVocabSize=${c.tgtVocabSize}`,
      );
    this.config = c;
    this.src_tok_emb = new Embedding(c.srcVocabSize, c.dModel);
    this.tgt_tok_emb = c.shareEmbeddings ? this.src_tok_emb : new Embedding(c.tgtVocabSize, c.dModel);
    this.positional_encoding =
      c.positional === "learned"
        ? new LearnedPositionalEmbedding(c.maxLen, c.dModel, { dropout: c.dropout, batchFirst: true })
        : new PositionalEncoding(c.dModel, { dropout: c.dropout, maxLen: c.maxLen, batchFirst: true });
    this.transformer = new Transformer({
      dModel: c.dModel,
      nhead: c.nhead,
      numEncoderLayers: c.numEncoderLayers,
      numDecoderLayers: c.numDecoderLayers,
      dimFeedforward: c.dimFeedforward,
      dropout: c.dropout,
      activation: c.activation,
      normFirst: c.normFirst,
      batchFirst: true,
    });
    this.generator = new Linear(c.dModel, c.tgtVocabSize);
    noGrad(() => {
      for (const p of this.parameters()) if (p.ndim > 1) init.xavierUniform_(p);
    });
  }

  get bosId(): number {
    return this.config.bosId;
  }
  get eosId(): number {
    return this.config.eosId;
  }

  #embed(ids: Tensor, table: Embedding, where: string): Tensor {
    if (!(ids instanceof Tensor) || ids.dtype !== "int32" || ids.ndim !== 2)
      throw new RangeError(
        `${where}: token ids must be an int32 tensor (B, L), got ${ids instanceof Tensor ? `${ids.dtype} ${fmtShape(ids.shape)}` : typeof ids}`,
      );
    if (ids.shape[1] > this.config.maxLen)
      throw new RangeError(`${where}: length ${ids.shape[1]} exceeds maxLen=${this.config.maxLen}`);
    return this.positional_encoding.forward(table.forward(ids).mul(Math.sqrt(this.config.dModel))); // (B, L, E)
  }

  /** The encoder output (B, S, dModel) of src (B, S). */
  encodeSource(src: Tensor, srcPaddingMask: Tensor | null): Tensor {
    const x = this.#embed(src, this.src_tok_emb, "TransformerTranslator.encode");
    return this.transformer.encoder.forward(x, { srcKeyPaddingMask: srcPaddingMask }) as Tensor;
  }

  /**
   * Logits (B, T, tgtVocab) for src (B, S) and decoder inputs tgtIn (B, T) = <bos> y1 ... (padded), with
   * the padding masks (true at padding) of both.
   */
  forward(
    src: Tensor,
    tgtIn: Tensor,
    opts: { srcPaddingMask?: Tensor | null; tgtPaddingMask?: Tensor | null } = {},
  ): Tensor {
    if (src.ndim === 2 && tgtIn.ndim === 2 && src.shape[0] !== tgtIn.shape[0])
      throw new RangeError(
        `TransformerTranslator.forward: src ${fmtShape(src.shape)} and tgtIn ${fmtShape(tgtIn.shape)} must have the same batch size`,
      );
    const memory = this.encodeSource(src, opts.srcPaddingMask ?? null);
    const y = this.#embed(tgtIn, this.tgt_tok_emb, "TransformerTranslator.forward");
    const out = this.transformer.decoder.forward(y, memory, {
      tgtMask: F.causalMask(tgtIn.shape[1]).to(tgtIn.device),
      tgtKeyPaddingMask: opts.tgtPaddingMask ?? null,
      memoryKeyPaddingMask: opts.srcPaddingMask ?? null,
    }) as Tensor;
    return this.generator.forward(out);
  }

  /** Mean cross-entropy of logits (B, T, V) against labels (B, T), padding ignored, with label smoothing. */
  loss(logits: Tensor, labels: Tensor, labelSmoothing = 0): Tensor {
    return translationLoss(logits, labels, this.config.padId, labelSmoothing);
  }

  encode(src: Tensor, srcLengths: Int32Array): TransformerMTState {
    const srcPadding = paddingFromLengths(srcLengths, src.shape[1]);
    return { memory: this.encodeSource(src, srcPadding), srcPadding };
  }

  /** Recomputes the decoder over the whole prefix (short sentences make a cache unnecessary). */
  step(state: TransformerMTState, prefix: Tensor): StepOutput<TransformerMTState> {
    const T = prefix.shape[1];
    const y = this.#embed(prefix, this.tgt_tok_emb, "TransformerTranslator.step");
    const { output, crossAttention } = (this.transformer.decoder as TransformerDecoder).forwardWithAttention(
      y,
      state.memory,
      { tgtIsCausal: true, memoryKeyPaddingMask: state.srcPadding },
    );
    const last = output.select(1, T - 1); // (B, E)
    return {
      logProbs: F.logSoftmax(this.generator.forward(last), -1),
      attention: crossAttention.select(1, T - 1), // (B, S), the last layer's, averaged over heads
      state,
    };
  }

  selectRows(state: TransformerMTState, rows: Tensor): TransformerMTState {
    return { memory: state.memory.indexSelect(0, rows), srcPadding: state.srcPadding.indexSelect(0, rows) };
  }

  /** Greedy (beamSize 1, the default) or beam search translations of padded sources (B, S). */
  translate(src: Tensor, srcLengths: Int32Array, opts: BeamSearchOptions = {}): Hypothesis[] {
    return translateBatch(this, src, srcLengths, opts);
  }
}
