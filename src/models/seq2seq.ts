/**
 * The GRU encoder-decoder with Bahdanau (additive) attention for translation (Bahdanau et al. 2015; d2l 10.7; bentrevett/pytorch-seq2seq notebook 3): a bidirectional GRU encoder, a GRU decoder that
 * attends over the encoder states at every step, and an output layer that sees the decoder state, the
 * attended context and the embedded previous token.
 */
import { Tensor } from "../tensor/tensor.js";
import { fmtShape } from "../tensor/shape.js";
import { cat, stack } from "../ops/indexing.js";
import { noGrad } from "../autograd/grad-mode.js";
import { defaultGenerator } from "../tensor/random.js";
import { Module } from "../nn/module.js";
import { Linear } from "../nn/layers/linear.js";
import { Embedding } from "../nn/layers/embedding.js";
import { Dropout } from "../nn/layers/dropout.js";
import { GRU } from "../nn/layers/rnn.js";
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

export interface Seq2SeqConfig {
  srcVocabSize: number;
  tgtVocabSize: number;
  /** Token embedding size (both sides). */
  embedDim: number;
  encHiddenSize: number;
  decHiddenSize: number;
  /** Read the source in both directions (the encoder states are then 2·encHiddenSize wide). */
  bidirectional: boolean;
  /** Layers of the encoder GRU and of the decoder GRU. */
  numLayers: number;
  /** Dropout between stacked GRU layers. */
  dropout: number;
  /** Dropout on the token embeddings (bentrevett: 0.5; d2l: none). */
  embeddingDropout: number;
  /** Initial weights: N(0, 0.01) with zero biases (bentrevett) or Xavier-uniform for matrices (d2l's init_seq2seq). */
  init: "normal" | "xavier";
  /** The output layer sees [decoder state; context; embedded token] (bentrevett), or only the state (d2l). */
  deepOutput: boolean;
  padId: number;
  bosId: number;
  eosId: number;
}

export const SEQ2SEQ_DEFAULTS: Omit<Seq2SeqConfig, "srcVocabSize" | "tgtVocabSize"> = {
  embedDim: 256,
  encHiddenSize: 512,
  decHiddenSize: 512,
  bidirectional: true,
  numLayers: 1,
  dropout: 0.5,
  embeddingDropout: 0.5,
  init: "normal",
  deepOutput: true,
  padId: 1,
  bosId: 2,
  eosId: 3,
};

/** Bahdanau's additive attention score vᵀ·tanh(W_q·q + W_k·k), with keys projected once per sentence. */
export class AdditiveAttention extends Module {
  W_q: Linear;
  W_k: Linear;
  w_v: Linear;

  constructor(querySize: number, keySize: number, hiddenSize: number) {
    super();
    this.W_q = new Linear(querySize, hiddenSize, { bias: false });
    this.W_k = new Linear(keySize, hiddenSize, { bias: false });
    this.w_v = new Linear(hiddenSize, 1, { bias: false });
  }

  /** Projected keys (B, S, A) of values (B, S, keySize): computed once, used at every step. */
  projectKeys(keys: Tensor): Tensor {
    return this.W_k.forward(keys);
  }

  /** query (B, Q), projected keys (B, S, A), values (B, S, Dv), padding (B, S) -> [context (B, Dv), weights (B, S)]. */
  forward(query: Tensor, keysProj: Tensor, values: Tensor, paddingMask: Tensor | null): [Tensor, Tensor] {
    const features = this.W_q.forward(query).unsqueeze(1).add(keysProj).tanh(); // (B, S, A)
    let scores = this.w_v.forward(features).squeeze(-1); // (B, S)
    if (paddingMask) scores = scores.maskedFill(paddingMask, -Infinity);
    const weights = F.softmax(scores, -1);
    const context = weights.unsqueeze(1).matmul(values).squeeze(1); // (B, Dv)
    return [context, weights];
  }
}

/** Decoding state of Seq2SeqAttention. */
export interface Seq2SeqState {
  /** (B, S, D·Henc) encoder outputs (the attention values). */
  values: Tensor;
  /** (B, S, A) projected keys. */
  keys: Tensor;
  /** (B, S) bool, true at padding. */
  padding: Tensor;
  /** (numLayers, B, Hdec) decoder state. */
  hidden: Tensor;
}

export interface Seq2SeqForwardOptions {
  /** Probability of feeding the true previous token (else the model's own argmax), per step (default 1). */
  teacherForcing?: number;
}

/**
 * The GRU encoder-decoder with additive attention. Module tree: encoder.{embedding, rnn, fc},
 * decoder.{embedding, attention.{W_q, W_k, w_v}, rnn, fc_out}. Weights start as N(0, 0.01), biases 0
 * (bentrevett's init), or Xavier-uniform (d2l's).
 * @example
 * const model = new gs.models.Seq2SeqAttention({ srcVocabSize: 8000, tgtVocabSize: 6000 });
 * const logits = model.forward(batch.src, batch.srcLengths, batch.tgtIn); // (B, T, 6000)
 * const [hyp] = model.translate(src, lengths, { beamSize: 5 });
 */
export class Seq2SeqAttention extends Module implements Translator<Seq2SeqState> {
  readonly config: Seq2SeqConfig;
  encoder: Seq2SeqEncoder;
  decoder: Seq2SeqDecoder;

  constructor(config: Partial<Seq2SeqConfig> & Pick<Seq2SeqConfig, "srcVocabSize" | "tgtVocabSize">) {
    super();
    const c: Seq2SeqConfig = { ...SEQ2SEQ_DEFAULTS, ...config };
    for (const key of [
      "srcVocabSize",
      "tgtVocabSize",
      "embedDim",
      "encHiddenSize",
      "decHiddenSize",
      "numLayers",
    ] as const)
      if (!Number.isInteger(c[key]) || c[key] <= 0)
        throw new RangeError(`Seq2SeqAttention: ${key} must be a positive integer, got ${c[key]}`);
    for (const key of ["dropout", "embeddingDropout"] as const)
      if (!(c[key] >= 0 && c[key] < 1))
        throw new RangeError(`Seq2SeqAttention: ${key} must be in [0, 1), got ${c[key]}`);
    if (c.init !== "normal" && c.init !== "xavier")
      throw new RangeError(`Seq2SeqAttention: init must be "normal" or "xavier", got ${String(c.init)}`);
    this.config = c;
    this.encoder = new Seq2SeqEncoder(c);
    this.decoder = new Seq2SeqDecoder(c);
    noGrad(() => {
      for (const [name, p] of this.namedParameters()) {
        if (c.init === "xavier") {
          // d2l's init_seq2seq: Xavier for the Linear and GRU matrices; embeddings and biases keep theirs.
          if (p.ndim > 1 && !name.endsWith("embedding.weight")) init.xavierUniform_(p);
        } else if (name.endsWith("bias") || /bias_(ih|hh)/.test(name)) init.zeros_(p);
        else init.normal_(p, 0, 0.01);
      }
    });
  }

  get bosId(): number {
    return this.config.bosId;
  }
  get eosId(): number {
    return this.config.eosId;
  }

  encode(src: Tensor, srcLengths: Int32Array): Seq2SeqState {
    checkIds("Seq2SeqAttention", "src", src);
    return this.encoder.forward(src, srcLengths, this.decoder.attention);
  }

  step(state: Seq2SeqState, prefix: Tensor): StepOutput<Seq2SeqState> {
    const prev = prefix.select(1, prefix.shape[1] - 1); // (B)
    const r = this.decoder.step(state, prev);
    return {
      logProbs: F.logSoftmax(this.decoder.fc_out.forward(r.features), -1),
      attention: r.attention,
      state: r.state,
    };
  }

  selectRows(state: Seq2SeqState, rows: Tensor): Seq2SeqState {
    return {
      values: state.values.indexSelect(0, rows),
      keys: state.keys.indexSelect(0, rows),
      padding: state.padding.indexSelect(0, rows),
      hidden: state.hidden.indexSelect(1, rows),
    };
  }

  /**
   * Teacher-forced logits (B, T, tgtVocab) for decoder inputs tgtIn (B, T) = <bos> y1 ... (padded).
   * With teacherForcing < 1 a step may instead feed the model's own previous prediction (d2l's and
   * bentrevett's scheduled choice, one coin per step).
   */
  forward(src: Tensor, srcLengths: Int32Array, tgtIn: Tensor, opts: Seq2SeqForwardOptions = {}): Tensor {
    checkIds("Seq2SeqAttention.forward", "tgtIn", tgtIn);
    if (tgtIn.shape[0] !== src.shape[0])
      throw new RangeError(
        `Seq2SeqAttention.forward: src ${fmtShape(src.shape)} and tgtIn ${fmtShape(tgtIn.shape)} must have the same batch size`,
      );
    const ratio = opts.teacherForcing ?? 1;
    let state = this.encode(src, srcLengths);
    const T = tgtIn.shape[1];
    const features: Tensor[] = [];
    let prev = tgtIn.select(1, 0);
    for (let t = 0; t < T; t++) {
      const r = this.decoder.step(state, prev);
      state = r.state;
      features.push(r.features);
      if (t + 1 === T) break;
      // The fed-back prediction is a constant (argmax has no gradient), so it is computed without a graph.
      const ownPrediction = ratio < 1 && defaultGenerator.random() >= ratio;
      prev = ownPrediction
        ? noGrad(() => (this.decoder.fc_out.forward(r.features).argmax(-1) as Tensor).to("int32"))
        : tgtIn.select(1, t + 1);
    }
    // The output layer runs once over all steps: one large matmul, and one gradient for its weight.
    return this.decoder.fc_out.forward(stack(features, 1)); // (B, T, V)
  }

  /** Mean cross-entropy of logits (B, T, V) against labels (B, T), padding ignored, with label smoothing. */
  loss(logits: Tensor, labels: Tensor, labelSmoothing = 0): Tensor {
    return translationLoss(logits, labels, this.config.padId, labelSmoothing);
  }

  /** Greedy (beamSize 1, the default) or beam search translations of padded sources (B, S). */
  translate(src: Tensor, srcLengths: Int32Array, opts: BeamSearchOptions = {}): Hypothesis[] {
    return translateBatch(this, src, srcLengths, opts);
  }
}

function checkIds(where: string, name: string, ids: Tensor): void {
  if (!(ids instanceof Tensor) || ids.dtype !== "int32" || ids.ndim !== 2)
    throw new RangeError(
      `${where}: ${name} must be an int32 tensor of token ids (B, L), got ${ids instanceof Tensor ? `${ids.dtype} ${fmtShape(ids.shape)}` : typeof ids}`,
    );
}

/** Embeds and reads the source; the decoder's first state comes from the final encoder states. */
export class Seq2SeqEncoder extends Module {
  embedding: Embedding;
  rnn: GRU;
  /** Maps the concatenated final states of both directions to the decoder's size (null when not needed). */
  fc: Linear | null;
  dropout: Dropout;
  readonly config: Seq2SeqConfig;

  constructor(c: Seq2SeqConfig) {
    super();
    this.config = c;
    this.embedding = new Embedding(c.srcVocabSize, c.embedDim);
    this.rnn = new GRU(c.embedDim, c.encHiddenSize, {
      numLayers: c.numLayers,
      bidirectional: c.bidirectional,
      dropout: c.numLayers > 1 ? c.dropout : 0,
      batchFirst: true,
    });
    const D = c.bidirectional ? 2 : 1;
    this.fc =
      D === 1 && c.encHiddenSize === c.decHiddenSize
        ? null
        : new Linear(D * c.encHiddenSize, c.decHiddenSize);
    this.dropout = new Dropout(c.embeddingDropout);
  }

  forward(src: Tensor, srcLengths: Int32Array, attention: AdditiveAttention): Seq2SeqState {
    const [B, S] = src.shape;
    const emb = this.dropout.forward(this.embedding.forward(src)); // (B, S, E)
    const [values, hN] = this.rnn.forward(emb, null, { lengths: srcLengths }); // (B, S, D·H), (L·D, B, H)
    const L = this.config.numLayers;
    let hidden = hN;
    if (this.config.bidirectional) {
      const byLayer = hN.view([L, 2, B, this.config.encHiddenSize]); // (L, 2, B, H)
      hidden = cat([byLayer.select(1, 0), byLayer.select(1, 1)], -1); // (L, B, 2H)
    }
    if (this.fc) hidden = this.fc.forward(hidden).tanh(); // (L, B, Hdec)
    const pos = new Int32Array(B * S);
    for (let b = 0; b < B; b++) for (let s = srcLengths[b]; s < S; s++) pos[b * S + s] = 1;
    const padding = new Tensor(pos, [B, S]).bool().to(src.device);
    return { values, keys: attention.projectKeys(values), padding, hidden };
  }
}

/** One step at a time: attend with the top-layer state, then update the GRU on [embedded token; context]. */
export class Seq2SeqDecoder extends Module {
  embedding: Embedding;
  attention: AdditiveAttention;
  rnn: GRU;
  fc_out: Linear;
  dropout: Dropout;
  readonly config: Seq2SeqConfig;

  constructor(c: Seq2SeqConfig) {
    super();
    this.config = c;
    const ctx = (c.bidirectional ? 2 : 1) * c.encHiddenSize;
    this.embedding = new Embedding(c.tgtVocabSize, c.embedDim);
    this.attention = new AdditiveAttention(c.decHiddenSize, ctx, c.decHiddenSize);
    this.rnn = new GRU(c.embedDim + ctx, c.decHiddenSize, {
      numLayers: c.numLayers,
      dropout: c.numLayers > 1 ? c.dropout : 0,
      batchFirst: true,
    });
    const outIn = c.deepOutput ? c.decHiddenSize + ctx + c.embedDim : c.decHiddenSize;
    this.fc_out = new Linear(outIn, c.tgtVocabSize);
    this.dropout = new Dropout(c.embeddingDropout);
  }

  /** prev (B) token ids -> the output layer's input features (B, ·), the attention (B, S) and the new state. */
  step(state: Seq2SeqState, prev: Tensor): { features: Tensor; attention: Tensor; state: Seq2SeqState } {
    const emb = this.dropout.forward(this.embedding.forward(prev)); // (B, E)
    const query = state.hidden.select(0, state.hidden.shape[0] - 1); // (B, Hdec): the top layer
    const [context, weights] = this.attention.forward(query, state.keys, state.values, state.padding);
    const [out, hidden] = this.rnn.forward(cat([emb, context], -1).unsqueeze(1), state.hidden); // (B, 1, Hdec)
    const h = out.squeeze(1);
    const features = this.config.deepOutput ? cat([h, context, emb], -1) : h;
    return { features, attention: weights, state: { ...state, hidden } };
  }

  forward(): never {
    throw new Error("Seq2SeqDecoder: call step(state, prev) once per target position");
  }
}

/** The name API.md lists for the GRU encoder-decoder with Bahdanau attention. */
export { Seq2SeqAttention as Seq2Seq };
