/**
 * Bigram language models, the first two models of makemore: the next token depends on the current one
 * only. `BigramCounts` counts bigrams in a corpus and normalises the counts (with add-k smoothing);
 * `Bigram` is its neural twin, a vocab×vocab table of logits learned by gradient descent. Trained on the
 * same data, the neural one converges to the count-based probabilities.
 */
import { Tensor } from "../tensor/tensor.js";
import { hostData } from "../tensor/device.js";
import { noGrad } from "../autograd/grad-mode.js";
import { Module } from "../nn/module.js";
import { Embedding } from "../nn/layers/embedding.js";
import * as init from "../nn/init.js";
import type { SampleOptions } from "./sampling.js";
import { autoregress, checkTokens, lmLoss, type LMOutput } from "./language-model.js";

/**
 * Count-based bigram model: P(next | current) = (count + k) / (row total + k·V) (add-k smoothing; k = 1
 * is Laplace's rule, as in makemore). Fit it with `fit`; it has no trainable parameters.
 * @example
 * const m = new gs.models.BigramCounts(27, { smoothing: 1 }).fit(wordsAsIds); // each word: [0, ...ids, 0]
 * m.nll(wordsAsIds); // mean negative log-likelihood per bigram, 2.45 on makemore's names
 */
export class BigramCounts extends Module {
  readonly vocabSize: number;
  readonly smoothing: number;
  /** (V, V) bigram counts, counts[a][b] = how often b followed a (a buffer, saved in the state dict). */
  counts: Tensor;

  constructor(vocabSize: number, opts: { smoothing?: number } = {}) {
    super();
    if (!Number.isInteger(vocabSize) || vocabSize < 1)
      throw new RangeError(`BigramCounts: vocabSize must be a positive integer, got ${vocabSize}`);
    const k = opts.smoothing ?? 1;
    if (!(k >= 0)) throw new RangeError(`BigramCounts: smoothing must be >= 0, got ${k}`);
    this.vocabSize = vocabSize;
    this.smoothing = k;
    this.counts = this.registerBuffer("counts", Tensor.empty([vocabSize, vocabSize], "float64"));
  }

  /** Adds the bigrams of each sequence of token ids to the counts; returns this. */
  fit(sequences: Iterable<ArrayLike<number>>): this {
    const V = this.vocabSize;
    const c = hostData(this.counts, "BigramCounts.fit");
    for (const seq of sequences)
      for (let i = 0; i + 1 < seq.length; i++) {
        const a = seq[i];
        const b = seq[i + 1];
        if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b < 0 || a >= V || b >= V)
          throw new RangeError(`BigramCounts.fit: token ids must be integers in [0, ${V}), got ${a} -> ${b}`);
        c[a * V + b] += 1;
      }
    return this;
  }

  /** (V, V) smoothed probabilities, each row summing to 1 (a row with no counts and k = 0 is uniform). */
  probs(): Tensor {
    const V = this.vocabSize;
    const c = hostData(this.counts, "BigramCounts.probs");
    const p = new Float64Array(V * V);
    for (let a = 0; a < V; a++) {
      let total = 0;
      for (let b = 0; b < V; b++) total += c[a * V + b] + this.smoothing;
      for (let b = 0; b < V; b++) p[a * V + b] = total > 0 ? (c[a * V + b] + this.smoothing) / total : 1 / V;
    }
    return new Tensor(p, [V, V]);
  }

  /** Mean negative log-likelihood per bigram over the sequences (makemore's loss for this model). */
  nll(sequences: Iterable<ArrayLike<number>>): number {
    const V = this.vocabSize;
    const p = hostData(this.probs(), "BigramCounts.nll");
    let sum = 0;
    let n = 0;
    for (const seq of sequences)
      for (let i = 0; i + 1 < seq.length; i++) {
        sum -= Math.log(p[seq[i] * V + seq[i + 1]]);
        n++;
      }
    if (n === 0) throw new RangeError("BigramCounts.nll: the sequences hold no bigram");
    return sum / n;
  }

  /** logits = log P(· | idx) for every position (B, T, V); loss = mean NLL of the targets (not -1). */
  forward(idx: Tensor, targets?: Tensor | null): LMOutput {
    checkTokens("BigramCounts.forward", idx, targets, this.vocabSize);
    const logP = this.probs().log().to("float32");
    if (!targets)
      return { logits: logP.indexSelect(0, idx.select(1, idx.shape[1] - 1)).unsqueeze(1), loss: null };
    const logits = logP.indexSelect(0, idx.reshape([-1])).reshape([...idx.shape, this.vocabSize]);
    return { logits, loss: lmLoss(logits, targets) };
  }

  /** Extends idx (B, T) by sampled tokens (temperature, topK, topP as in sampleNext). */
  generate(idx: Tensor, maxNewTokens: number, opts: SampleOptions = {}): Tensor {
    return autoregress(idx, maxNewTokens, opts, (seq) => this.forward(seq).logits.select(1, 0));
  }

  override extraRepr(): string {
    return `vocab_size=${this.vocabSize}, smoothing=${this.smoothing}`;
  }
}

/**
 * The neural bigram model: logits for the next token are one row of a learned (V, V) table (an
 * Embedding), which is what one-hot(x)·W computes in makemore.
 * @example
 * const m = new gs.models.Bigram(27);
 * const { loss } = m.forward(x, y); // x, y: (B, T) int32
 */
export class Bigram extends Module {
  readonly vocabSize: number;
  token_embedding_table: Embedding;

  constructor(vocabSize: number) {
    super();
    if (!Number.isInteger(vocabSize) || vocabSize < 1)
      throw new RangeError(`Bigram: vocabSize must be a positive integer, got ${vocabSize}`);
    this.vocabSize = vocabSize;
    this.token_embedding_table = new Embedding(vocabSize, vocabSize);
    // Start from uniform predictions, as makemore's Bigram (its logits start at zero).
    noGrad(() => init.zeros_(this.token_embedding_table.weight));
  }

  get blockSize(): number {
    return 1;
  }

  /** idx (B, T) -> logits (B, T, V), and the loss when targets (B, T) are given (-1 ignored). */
  forward(idx: Tensor, targets?: Tensor | null): LMOutput {
    checkTokens("Bigram.forward", idx, targets, this.vocabSize);
    if (!targets)
      return { logits: this.token_embedding_table.forward(idx.narrow(1, idx.shape[1] - 1, 1)), loss: null };
    const logits = this.token_embedding_table.forward(idx); // (B, T, V)
    return { logits, loss: lmLoss(logits, targets) };
  }

  generate(idx: Tensor, maxNewTokens: number, opts: SampleOptions = {}): Tensor {
    return autoregress(idx, maxNewTokens, opts, (seq) => this.forward(seq).logits.select(1, 0));
  }
}
