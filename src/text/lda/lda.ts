/**
 * Latent Dirichlet Allocation by online variational Bayes (Hoffman, Blei & Bach, "Online Learning for Latent
 * Dirichlet Allocation", NIPS 2010), following gensim's LdaModel: the same options, defaults, update schedule
 * ρ = (offset + pass + updates / chunkSize)^−decay, per-document inference and variational bound.
 */
import { Generator, defaultGenerator } from "../../tensor/random.js";
import { checkTokenDocs, Dictionary, type Bow } from "./corpus.js";
import { dirichletExpectation, lgamma, logSumExp, sampleGamma } from "./math.js";
import { initAlpha, initEta, newtonDirichletPrior } from "./prior.js";
import { umassCoherence, type Coherence } from "./coherence.js";

export interface LDAOptions {
  /** Number of topics K. */
  numTopics: number;
  /**
   * Document–topic prior: a number or K numbers, "symmetric" (1/K, the default), "asymmetric"
   * (∝ 1/(k + √K)) or "auto" (starts symmetric and is learnt from the data by Newton steps).
   */
  alpha?: number | ArrayLike<number> | "symmetric" | "asymmetric" | "auto";
  /** Topic–word prior: a number, one number per dictionary term, or "symmetric" (1/K, the default). */
  eta?: number | ArrayLike<number> | "symmetric";
  /** Passes over the corpus (default 1). */
  passes?: number;
  /** Documents per E-step (default 2000). */
  chunkSize?: number;
  /** Chunks between M-steps (default 1, online); 0 for batch LDA (one M-step per pass). */
  updateEvery?: number;
  /** κ in the learning rate ρ = (τ₀ + t)^−κ, in (0.5, 1] for convergence (default 0.5, as gensim). */
  decay?: number;
  /** τ₀ in the learning rate, which slows the first updates (default 1). */
  offset?: number;
  /** Most variational iterations per document (default 50). */
  iterations?: number;
  /** A document's inference stops when its γ changes by less than this on average (default 0.001). */
  gammaThreshold?: number;
  /** Seed of the model's own Generator; without it the draws come from the default generator (manualSeed). */
  seed?: number;
  /** The vocabulary to use; `fit` builds one from its documents (with no filtering) when absent. */
  dictionary?: Dictionary;
}

/** A word of a topic and its probability. */
export interface TopicWord {
  word: string;
  prob: number;
}

// Added to each word's normaliser φ-norm, as gensim does with its default float32 machine epsilon (2^-23):
// it keeps words that no topic explains yet (φ-norm ≈ 1e-8) from dominating a document's update.
const EPS = 1.1920928955078125e-7;

/**
 * An LDA topic model trained by online variational Bayes.
 * @example
 * const dict = gs.text.Dictionary.fromDocuments(docs).filterExtremes({ noBelow: 2, noAbove: 0.5 });
 * const lda = new gs.text.LDA({ numTopics: 10, passes: 10, seed: 1, dictionary: dict }).fit(docs);
 * lda.topWords(0, 8);            // [{ word: "police", prob: 0.021 }, ...]
 * lda.transform([doc])[0];       // the document's topic distribution, K numbers that sum to 1
 * lda.perplexity(heldOutDocs);   // 2^(−bound per word), as gensim's log_perplexity logs it
 */
export class LDA {
  readonly numTopics: number;
  readonly passes: number;
  readonly chunkSize: number;
  readonly updateEvery: number;
  readonly decay: number;
  readonly offset: number;
  readonly iterations: number;
  readonly gammaThreshold: number;
  /** The document–topic prior (K numbers; changes during training with alpha "auto"). */
  alpha: Float64Array;
  /** The topic–word prior, one number per term (set by fit). */
  eta: Float64Array = new Float64Array(0);
  dictionary: Dictionary | null;
  private readonly optimizeAlpha: boolean;
  private readonly etaOption: NonNullable<LDAOptions["eta"]>;
  private readonly gen: Generator;
  /** Expected topic–word counts (K × V, row-major): λ = η + sstats. */
  private sstats: Float64Array = new Float64Array(0);
  private expElogbeta: Float64Array = new Float64Array(0);
  private stateDocs = 0;
  private numUpdates = 0;
  private trainingCorpus: Bow[] = [];

  constructor(options: LDAOptions) {
    const where = "LDA";
    const K = options?.numTopics;
    if (!Number.isInteger(K) || K < 1)
      throw new Error(`${where}: numTopics must be a positive integer, got ${K}`);
    this.numTopics = K;
    this.passes = positiveInt(options.passes ?? 1, "passes");
    this.chunkSize = positiveInt(options.chunkSize ?? 2000, "chunkSize");
    const updateEvery = options.updateEvery ?? 1;
    if (!Number.isInteger(updateEvery) || updateEvery < 0)
      throw new Error(`${where}: updateEvery must be a non-negative integer, got ${updateEvery}`);
    this.updateEvery = updateEvery;
    this.decay = options.decay ?? 0.5;
    this.offset = options.offset ?? 1;
    if (!(this.decay > 0 && this.decay <= 1))
      throw new Error(`${where}: decay must be in (0, 1], got ${this.decay}`);
    if (!(this.offset >= 0)) throw new Error(`${where}: offset must be >= 0, got ${this.offset}`);
    this.iterations = positiveInt(options.iterations ?? 50, "iterations");
    this.gammaThreshold = options.gammaThreshold ?? 0.001;
    this.alpha = initAlpha(options.alpha ?? "symmetric", K);
    this.optimizeAlpha = options.alpha === "auto";
    this.etaOption = options.eta ?? "symmetric";
    this.gen = options.seed === undefined ? defaultGenerator : new Generator(options.seed);
    this.dictionary = options.dictionary ?? null;
  }

  /** The number of terms V of the fitted model. */
  get numTerms(): number {
    return this.eta.length;
  }

  /**
   * Starts a new model on `docs` (token arrays) and trains it for `passes` passes. Words outside the dictionary
   * are ignored; empty documents are allowed (their γ is the prior), but not a corpus without any known word.
   */
  fit(docs: string[][]): this {
    checkTokenDocs(docs, "LDA.fit");
    if (docs.length === 0) throw new Error("LDA.fit: no documents");
    if (this.dictionary === null) this.dictionary = Dictionary.fromDocuments(docs);
    const V = this.dictionary.size;
    if (V === 0)
      throw new Error(
        "LDA.fit: the dictionary is empty (all documents are empty or every token was filtered out)",
      );
    const K = this.numTopics;
    this.eta = initEta(this.etaOption, K, V);
    // gensim's start: sstats ~ Gamma(100, 1/100), and E[log β] from sstats alone.
    this.sstats = new Float64Array(K * V);
    for (let i = 0; i < this.sstats.length; i++) this.sstats[i] = sampleGamma(this.gen, 100, 0.01);
    this.expElogbeta = new Float64Array(K * V);
    for (let k = 0; k < K; k++) {
      dirichletExpectation(this.sstats.subarray(k * V, (k + 1) * V), this.expElogbeta, k * V);
    }
    for (let i = 0; i < this.expElogbeta.length; i++) this.expElogbeta[i] = Math.exp(this.expElogbeta[i]);
    this.stateDocs = 0;
    this.numUpdates = 0;
    this.trainingCorpus = [];
    return this.train(docs, "LDA.fit");
  }

  /** Continues online training on more documents (gensim's `update`), with the same dictionary. */
  update(docs: string[][]): this {
    checkTokenDocs(docs, "LDA.update");
    this.checkFitted("LDA.update");
    return this.train(docs, "LDA.update");
  }

  private train(docs: string[][], where: string): this {
    const bows = docs.map((d) => this.dictionary!.doc2bow(d));
    if (bows.every((b) => b.ids.length === 0))
      throw new Error(`${where}: none of the ${docs.length} documents holds a word of the dictionary`);
    this.trainingCorpus.push(...bows);
    const n = bows.length;
    const chunkSize = Math.min(n, this.chunkSize);
    this.stateDocs += n;
    const K = this.numTopics;
    for (let pass = 0; pass < this.passes; pass++) {
      const rho = () => Math.pow(this.offset + pass + this.numUpdates / chunkSize, -this.decay);
      let other = new Float64Array(this.sstats.length);
      let otherDocs = 0;
      let chunkNo = 0;
      for (let start = 0; start < n; start += chunkSize, chunkNo++) {
        const chunk = bows.slice(start, start + chunkSize);
        const gamma = new Float64Array(chunk.length * K);
        chunk.forEach((bow, d) => this.inferDoc(bow, gamma.subarray(d * K, (d + 1) * K), other));
        otherDocs += chunk.length;
        if (this.optimizeAlpha) this.updateAlpha(gamma, chunk.length, rho());
        if (this.updateEvery > 0 && (chunkNo + 1) % this.updateEvery === 0) {
          this.mStep(rho(), other, otherDocs, pass > 0);
          other = new Float64Array(this.sstats.length);
          otherDocs = 0;
        }
      }
      if (otherDocs > 0) this.mStep(rho(), other, otherDocs, pass > 0);
    }
    return this;
  }

  /**
   * Topic distributions of `docs` (rows of K numbers that sum to 1): the normalised variational γ, as gensim's
   * `get_document_topics` without the probability cut-off. An empty document gets the normalised prior.
   */
  transform(docs: string[][]): number[][] {
    checkTokenDocs(docs, "LDA.transform");
    const K = this.numTopics;
    return this.toBows(docs, "LDA.transform").map((bow) => {
      const gamma = new Float64Array(K);
      this.inferDoc(bow, gamma, null);
      let sum = 0;
      for (let k = 0; k < K; k++) sum += gamma[k];
      return Array.from(gamma, (g) => g / sum);
    });
  }

  /**
   * The variational lower bound per word of `docs` (natural log), as gensim's `log_perplexity`. The topic
   * term is counted once; the documents' terms are scaled by `totalDocs / docs.length` (default 1).
   */
  logPerplexity(docs: string[][], totalDocs = docs.length): number {
    checkTokenDocs(docs, "LDA.logPerplexity");
    const bows = this.toBows(docs, "LDA.logPerplexity");
    let words = 0;
    for (const b of bows) for (let j = 0; j < b.counts.length; j++) words += b.counts[j];
    if (words === 0) throw new Error("LDA.logPerplexity: the documents hold no word of the dictionary");
    const ratio = totalDocs / bows.length;
    return this.bound(bows, ratio) / (ratio * words);
  }

  /** gensim's perplexity estimate 2^(−bound per word) (the figure its logs print); lower is better. */
  perplexity(docs: string[][], totalDocs = docs.length): number {
    return Math.pow(2, -this.logPerplexity(docs, totalDocs));
  }

  /** The `n` most probable words of topic `topic`, most probable first. */
  topWords(topic: number, n = 10): TopicWord[] {
    const topics = this.getTopics();
    if (!Number.isInteger(topic) || topic < 0 || topic >= this.numTopics)
      throw new Error(`LDA.topWords: topic must be an integer in [0, ${this.numTopics}), got ${topic}`);
    const row = topics[topic];
    return topIndices(row, n).map((id) => ({ word: this.dictionary!.id2token[id], prob: row[id] }));
  }

  /** The topic–word distributions (K rows of V probabilities): λ normalised, as gensim's `get_topics`. */
  getTopics(): Float64Array[] {
    this.checkFitted("LDA.getTopics");
    const V = this.numTerms;
    return Array.from({ length: this.numTopics }, (_, k) => {
      const row = new Float64Array(V);
      let sum = 0;
      for (let w = 0; w < V; w++) sum += row[w] = this.eta[w] + this.sstats[k * V + w];
      for (let w = 0; w < V; w++) row[w] /= sum;
      return row;
    });
  }

  /**
   * u_mass topic coherence (Mimno et al. 2011) of each topic's `topn` words over `docs` (default: the training
   * documents), as gensim's CoherenceModel(coherence="u_mass"); higher (closer to 0) is better.
   */
  coherence(options: { topn?: number; docs?: string[][] } = {}): Coherence {
    const topics = this.getTopics();
    const { topn = 20 } = options;
    let corpus = this.trainingCorpus;
    if (options.docs !== undefined) {
      checkTokenDocs(options.docs, "LDA.coherence");
      corpus = this.toBows(options.docs, "LDA.coherence");
    }
    return umassCoherence(
      topics.map((row) => topIndices(row, topn)),
      corpus,
    );
  }

  private checkFitted(where: string): void {
    if (this.expElogbeta.length === 0)
      throw new Error(`${where}: the model is not fitted yet; call fit() first`);
  }

  private toBows(docs: string[][], where: string): Bow[] {
    this.checkFitted(where);
    return docs.map((d) => this.dictionary!.doc2bow(d));
  }

  /**
   * Variational inference for one document (gensim's `inference`): fits γ (written into `gamma`) from a
   * Gamma(100, 1/100) start, and adds the document's expected topic–word counts into `sstats` when given.
   */
  private inferDoc(bow: Bow, gamma: Float64Array, sstats: Float64Array | null): void {
    const K = this.numTopics;
    const V = this.numTerms;
    const { ids, counts } = bow;
    const n = ids.length;
    for (let k = 0; k < K; k++) gamma[k] = sampleGamma(this.gen, 100, 0.01);
    const eb = new Float64Array(K * n); // E[β] restricted to the document's words
    for (let k = 0; k < K; k++) for (let j = 0; j < n; j++) eb[k * n + j] = this.expElogbeta[k * V + ids[j]];
    const expTheta = new Float64Array(K);
    const phinorm = new Float64Array(n);
    const last = new Float64Array(K);
    const refresh = () => {
      dirichletExpectation(gamma, expTheta);
      for (let k = 0; k < K; k++) expTheta[k] = Math.exp(expTheta[k]);
      for (let j = 0; j < n; j++) {
        let s = EPS;
        for (let k = 0; k < K; k++) s += expTheta[k] * eb[k * n + j];
        phinorm[j] = s;
      }
    };
    refresh();
    for (let it = 0; it < this.iterations; it++) {
      last.set(gamma);
      for (let k = 0; k < K; k++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += (counts[j] / phinorm[j]) * eb[k * n + j];
        gamma[k] = this.alpha[k] + expTheta[k] * s;
      }
      refresh();
      let change = 0;
      for (let k = 0; k < K; k++) change += Math.abs(gamma[k] - last[k]);
      if (change / K < this.gammaThreshold) break;
    }
    if (sstats === null) return;
    // sstats[k, w] += θ̃_k · count_w / phinorm_w · β̃_kw: the E-step's expected counts.
    for (let k = 0; k < K; k++)
      for (let j = 0; j < n; j++)
        sstats[k * V + ids[j]] += (expTheta[k] * counts[j] * eb[k * n + j]) / phinorm[j];
  }

  /** The M-step: blends the chunk's counts, scaled to the corpus size, into the model with weight ρ. */
  private mStep(rho: number, other: Float64Array, otherDocs: number, extraPass: boolean): void {
    const scale = otherDocs === 0 || otherDocs === this.stateDocs ? 1 : this.stateDocs / otherDocs;
    const s = this.sstats;
    for (let i = 0; i < s.length; i++) s[i] = (1 - rho) * s[i] + rho * scale * other[i];
    const K = this.numTopics;
    const V = this.numTerms;
    const lambda = new Float64Array(V);
    for (let k = 0; k < K; k++) {
      for (let w = 0; w < V; w++) lambda[w] = this.eta[w] + s[k * V + w];
      dirichletExpectation(lambda, this.expElogbeta, k * V);
    }
    for (let i = 0; i < this.expElogbeta.length; i++) this.expElogbeta[i] = Math.exp(this.expElogbeta[i]);
    if (!extraPass) this.numUpdates += otherDocs;
  }

  /** One Newton step on α from a chunk's γ (gensim's `update_alpha`). */
  private updateAlpha(gamma: Float64Array, nDocs: number, rho: number): void {
    const K = this.numTopics;
    const logphat = new Float64Array(K);
    const e = new Float64Array(K);
    for (let d = 0; d < nDocs; d++) {
      dirichletExpectation(gamma.subarray(d * K, (d + 1) * K), e);
      for (let k = 0; k < K; k++) logphat[k] += e[k] / nDocs;
    }
    this.alpha = newtonDirichletPrior(this.alpha, nDocs, logphat, rho);
  }

  /** gensim's `bound`: E_q[log p(docs, θ, β)] − E_q[log q(θ, β)], with the documents' part scaled by `ratio`. */
  private bound(bows: Bow[], ratio: number): number {
    const K = this.numTopics;
    const V = this.numTerms;
    const elogbeta = new Float64Array(K * V);
    const lambda = new Float64Array(K * V);
    for (let k = 0; k < K; k++) {
      for (let w = 0; w < V; w++) lambda[k * V + w] = this.eta[w] + this.sstats[k * V + w];
      dirichletExpectation(lambda.subarray(k * V, (k + 1) * V), elogbeta, k * V);
    }
    let alphaSum = 0;
    let lgAlpha = 0;
    for (let k = 0; k < K; k++) {
      alphaSum += this.alpha[k];
      lgAlpha += lgamma(this.alpha[k]);
    }
    let score = 0;
    const gamma = new Float64Array(K);
    const elogtheta = new Float64Array(K);
    const terms = new Float64Array(K);
    for (const bow of bows) {
      this.inferDoc(bow, gamma, null);
      dirichletExpectation(gamma, elogtheta);
      for (let j = 0; j < bow.ids.length; j++) {
        for (let k = 0; k < K; k++) terms[k] = elogtheta[k] + elogbeta[k * V + bow.ids[j]];
        score += bow.counts[j] * logSumExp(terms);
      }
      let gammaSum = 0;
      for (let k = 0; k < K; k++) {
        score += (this.alpha[k] - gamma[k]) * elogtheta[k] + lgamma(gamma[k]);
        gammaSum += gamma[k];
      }
      score += -lgAlpha + lgamma(alphaSum) - lgamma(gammaSum);
    }
    score *= ratio;
    let etaSum = 0;
    let lgEta = 0;
    for (let w = 0; w < V; w++) {
      etaSum += this.eta[w];
      lgEta += lgamma(this.eta[w]);
    }
    for (let k = 0; k < K; k++) {
      let lambdaSum = 0;
      for (let w = 0; w < V; w++) {
        const l = lambda[k * V + w];
        score += (this.eta[w] - l) * elogbeta[k * V + w] + lgamma(l);
        lambdaSum += l;
      }
      score += -lgEta + lgamma(etaSum) - lgamma(lambdaSum);
    }
    return score;
  }
}

function positiveInt(v: number, name: string): number {
  if (!Number.isInteger(v) || v < 1) throw new Error(`LDA: ${name} must be a positive integer, got ${v}`);
  return v;
}

/** Indices of the `n` largest values, largest first (ties: lower index first). */
function topIndices(row: ArrayLike<number>, n: number): number[] {
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`LDA: the number of words must be a non-negative integer, got ${n}`);
  const order = Array.from({ length: row.length }, (_, i) => i);
  order.sort((a, b) => row[b] - row[a] || a - b);
  return order.slice(0, n);
}
