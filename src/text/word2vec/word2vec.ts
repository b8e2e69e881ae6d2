/**
 * word2vec (Mikolov et al. 2013): skip-gram and CBOW with negative sampling, frequent-word subsampling and a
 * linearly decaying learning rate, with gensim's options, defaults and formulas. Training runs the kernel of
 * kernel.ts on the main thread, and with `workers` > 1 also on worker threads that share the model
 * through SharedArrayBuffers (lock-free "Hogwild" updates, as gensim and word2vec.c).
 */
import { Worker, MessageChannel, receiveMessageOnPort, type MessagePort } from "node:worker_threads";
import { Generator, defaultGenerator } from "../../tensor/random.js";
import { checkTokenDocs } from "../lda/corpus.js";
import { EXP_TABLE_SIZE, fillExpTable, type KernelModel, type KernelScratch } from "./kernel.js";
import { allocateMemory, layoutMemory, simdAvailable, type WasmMemory } from "./wasm.js";
import { DONE_JOBS, FAILED, runJobs, type JobPlan } from "./jobs.js";
import { aliasTable, buildVocab, encodeCorpus, keepThresholds, type W2VVocab } from "./vocab.js";
import { KeyedVectors, type SimilarityQuery, type SimilarWord } from "./vectors.js";
import type { AnalogyOptions, AnalogyResult, PairsOptions, PairsResult } from "./eval-words.js";

export interface Word2VecOptions {
  /** Dimension of the word vectors (default 100). */
  vectorSize?: number;
  /** Largest distance between the centre word and a context word (default 5). */
  window?: number;
  /** Words seen fewer times are dropped (default 5). */
  minCount?: number;
  /** 1 (or true) for skip-gram, 0 for CBOW (default 0, as gensim). */
  sg?: 0 | 1 | boolean;
  /** Negative samples per positive word (default 5); hierarchical softmax is not implemented. */
  negative?: number;
  /** Exponent of the counts in the negative-sampling distribution (default 0.75). */
  nsExponent?: number;
  /** Subsampling threshold of frequent words (default 1e-3; 0 keeps every word). */
  sample?: number;
  /** Learning rate at the start (default 0.025) and at the end (default 0.0001), linear in between. */
  alpha?: number;
  minAlpha?: number;
  /** Passes over the corpus (default 5). */
  epochs?: number;
  /** CBOW averages the context vectors (default true) rather than summing them. */
  cbowMean?: boolean;
  /** Draw each position's window size uniformly in [1, window] as word2vec.c (default true). */
  shrinkWindows?: boolean;
  /** Words per training job (default 10000); the learning rate changes between jobs. */
  batchWords?: number;
  /** Seed of the model's own Generator; without it the draws come from the default generator (manualSeed). */
  seed?: number;
  /**
   * Training threads (default 1). With 1 a seed gives the same vectors every run; with more, threads update
   * the shared vectors without locks (like gensim), so results vary slightly from run to run.
   */
  workers?: number;
  /**
   * Run the vector arithmetic in WebAssembly SIMD (default true) when the runtime has it and vectorSize is a
   * multiple of 4; false uses the scalar TypeScript kernel. The two round differently, so a seed gives
   * slightly different vectors on each.
   */
  simd?: boolean;
}

/** What a call to `train` did. */
export interface Word2VecTrainStats {
  epochs: number;
  /** Tokens seen (all epochs), including words below minCount. */
  rawWords: number;
  /** Words trained on (all epochs), after dropping unknown words and subsampling. */
  effectiveWords: number;
  seconds: number;
  /** rawWords / seconds. */
  wordsPerSecond: number;
  workers: number;
}

type Required_ = Required<Omit<Word2VecOptions, "seed" | "sg">> & { sg: 0 | 1 };

const STALL_MS = 120_000;

/**
 * Word vectors trained with word2vec.
 * @example
 * const w2v = new gs.text.Word2Vec({ vectorSize: 100, window: 5, minCount: 5, sg: 1, epochs: 5, seed: 1 });
 * w2v.train(sentences);                                     // string[][], e.g. lines through simplePreprocess
 * w2v.mostSimilar("king", 5);                               // [{ word, similarity }, ...]
 * w2v.mostSimilar({ positive: ["king", "woman"], negative: ["man"] }, 1);
 * w2v.evaluateWordAnalogies("data/word-analogy/questions-words.txt").accuracy;
 * w2v.save("vectors.txt");                                  // word2vec text format
 */
export class Word2Vec {
  readonly options: Readonly<Required_>;
  private readonly gen: Generator;
  private vocab: W2VVocab | null = null;
  private kv: KeyedVectors | null = null;
  private syn1neg: Float32Array = new Float32Array(0);
  private expTable: Float32Array = new Float32Array(0);
  /** The WebAssembly memory that holds syn0, syn1neg, the sigmoid table and scratch (SIMD kernel only). */
  private memory: WasmMemory | null = null;
  private ptr: KernelModel["ptr"] = null;
  private scratch: KernelScratch["ptr"][] = [];

  constructor(options: Word2VecOptions = {}) {
    const o: Required_ = {
      vectorSize: options.vectorSize ?? 100,
      window: options.window ?? 5,
      minCount: options.minCount ?? 5,
      sg: options.sg === true || options.sg === 1 ? 1 : 0,
      negative: options.negative ?? 5,
      nsExponent: options.nsExponent ?? 0.75,
      sample: options.sample ?? 1e-3,
      alpha: options.alpha ?? 0.025,
      minAlpha: options.minAlpha ?? 0.0001,
      epochs: options.epochs ?? 5,
      cbowMean: options.cbowMean ?? true,
      shrinkWindows: options.shrinkWindows ?? true,
      batchWords: options.batchWords ?? 10000,
      workers: options.workers ?? 1,
      simd: options.simd ?? true,
    };
    if (options.sg !== undefined && ![0, 1, true, false].includes(options.sg))
      throw new Error(`Word2Vec: sg must be 0 (CBOW) or 1 (skip-gram), got ${options.sg}`);
    for (const k of [
      "vectorSize",
      "window",
      "minCount",
      "negative",
      "epochs",
      "batchWords",
      "workers",
    ] as const)
      if (!Number.isInteger(o[k]) || o[k] < 1)
        throw new Error(
          `Word2Vec: ${k} must be a positive integer, got ${o[k]}${k === "negative" ? " (hierarchical softmax is not implemented)" : ""}`,
        );
    for (const k of ["alpha", "minAlpha", "sample", "nsExponent"] as const)
      if (!(o[k] >= 0) || !Number.isFinite(o[k]))
        throw new Error(`Word2Vec: ${k} must be a number >= 0, got ${o[k]}`);
    if (o.minAlpha > o.alpha)
      throw new Error(`Word2Vec: minAlpha (${o.minAlpha}) must not exceed alpha (${o.alpha})`);
    this.options = Object.freeze(o);
    this.gen = options.seed === undefined ? defaultGenerator : new Generator(options.seed);
  }

  /** The trained word vectors (gensim's `model.wv`). */
  get wv(): KeyedVectors {
    if (this.kv === null) throw new Error("Word2Vec: the model has no vectors yet; call train() first");
    return this.kv;
  }

  /** How often `word` occurred in the corpus the vocabulary was built from. */
  getCount(word: string): number {
    const i = this.wv.getIndex(word, "Word2Vec.getCount");
    return this.vocab!.counts[i];
  }

  /**
   * Builds the vocabulary (words seen at least minCount times, most frequent first) and initialises the
   * vectors as gensim does: uniform in [−1/vectorSize, 1/vectorSize) for the word vectors, zeros for the
   * output vectors. `train` calls it on first use.
   */
  buildVocab(sentences: string[][]): this {
    const where = "Word2Vec.buildVocab";
    checkSentences(sentences, where);
    const vocab = buildVocab(sentences, this.options.minCount);
    if (vocab.words.length === 0)
      throw new Error(
        `${where}: the vocabulary is empty: no word occurs at least minCount=${this.options.minCount} times in the ${sentences.length} sentences (${vocab.rawTokens} tokens)`,
      );
    const o = this.options;
    const d = o.vectorSize;
    const V = vocab.words.length;
    const shared = o.workers > 1;
    const layout = layoutMemory(V, d, o.negative, o.workers);
    this.memory = o.simd && d % 4 === 0 && simdAvailable() ? allocateMemory(layout.bytes, shared) : null;
    let syn0: Float32Array;
    if (this.memory !== null) {
      const buf = this.memory.buffer;
      syn0 = new Float32Array(buf, layout.syn0, V * d);
      this.syn1neg = new Float32Array(buf, layout.syn1neg, V * d);
      this.expTable = new Float32Array(buf, layout.exp, EXP_TABLE_SIZE);
      this.ptr = { syn0: layout.syn0, syn1neg: layout.syn1neg, exp: layout.exp };
      this.scratch = layout.scratch;
    } else {
      syn0 = floats(V * d, shared);
      this.syn1neg = floats(V * d, shared);
      this.expTable = floats(EXP_TABLE_SIZE, shared);
      this.ptr = null;
      this.scratch = [];
    }
    fillExpTable(this.expTable);
    for (let i = 0; i < syn0.length; i++) syn0[i] = (this.gen.random() * 2 - 1) / d;
    this.vocab = vocab;
    this.kv = new KeyedVectors(vocab.words, syn0, d);
    return this;
  }

  /**
   * Trains on `sentences` (arrays of tokens) for `epochs` passes, building the vocabulary first if there is
   * none; later calls continue training the same words (new words are ignored). The learning rate falls
   * linearly from alpha to minAlpha over the call.
   */
  train(sentences: string[][], options: { epochs?: number } = {}): Word2VecTrainStats {
    const where = "Word2Vec.train";
    checkSentences(sentences, where);
    if (this.vocab === null) this.buildVocab(sentences);
    const o = this.options;
    const epochs = options.epochs ?? o.epochs;
    if (!Number.isInteger(epochs) || epochs < 1)
      throw new Error(`${where}: epochs must be a positive integer, got ${epochs}`);
    const vocab = this.vocab!;
    const kv = this.wv;
    const { corpus, offsets, rawLengths, longest } = encodeCorpus(sentences, vocab.index);
    if (corpus.length === 0)
      throw new Error(`${where}: none of the ${sentences.length} sentences holds a word of the vocabulary`);

    // Jobs of about batchWords raw words; job j of epoch e gets the learning rate for its place in the run.
    const starts = [0];
    const rawBefore = [0];
    let totalRaw = 0;
    let inJob = 0;
    rawLengths.forEach((len, s) => {
      if (inJob > 0 && inJob + len > o.batchWords) {
        starts.push(s);
        rawBefore.push(totalRaw);
        inJob = 0;
      }
      inJob += len;
      totalRaw += len;
    });
    starts.push(sentences.length);
    const nJobs = starts.length - 1;
    const alphas = new Float64Array(epochs * nJobs);
    const seeds = new Int32Array(epochs * nJobs);
    for (let e = 0; e < epochs; e++)
      for (let j = 0; j < nJobs; j++) {
        const progress = (e + rawBefore[j] / Math.max(1, totalRaw)) / epochs;
        alphas[e * nJobs + j] = Math.max(o.minAlpha, o.alpha - (o.alpha - o.minAlpha) * progress);
        seeds[e * nJobs + j] = this.gen.nextUint32() | 0;
      }

    const threads = Math.min(o.workers, alphas.length);
    const share = threads > 1;
    const { prob, alias } = aliasTable(vocab.counts, o.nsExponent);
    const model: KernelModel = {
      syn0: kv.vectors,
      syn1neg: this.syn1neg,
      dim: o.vectorSize,
      sg: o.sg,
      negative: o.negative,
      window: o.window,
      cbowMean: o.cbowMean ? 1 : 0,
      shrinkWindows: o.shrinkWindows ? 1 : 0,
      keep: copy(keepThresholds(vocab.counts, o.sample), share),
      aliasProb: copy(prob, share),
      aliasIdx: copy(alias, share),
      expTable: this.expTable,
      ptr: this.ptr,
    };
    const plan: JobPlan = {
      model,
      corpus: copy(corpus, share),
      offsets: copy(offsets, share),
      jobStarts: copy(Int32Array.from(starts), share),
      alphas: copy(alphas, share),
      seeds: copy(seeds, share),
      control: share ? new Int32Array(new SharedArrayBuffer(12)) : new Int32Array(3),
      effective: share ? new Float64Array(new SharedArrayBuffer(8 * threads)) : new Float64Array(1),
      longestSentence: longest,
      memory: this.memory,
      scratch: this.scratch,
    };
    const t0 = performance.now();
    if (threads === 1) runJobs(plan, 0);
    else runThreaded(plan, threads);
    const seconds = (performance.now() - t0) / 1000;
    this.wv.resetNorms();
    const rawWords = totalRaw * epochs;
    return {
      epochs,
      rawWords,
      effectiveWords: plan.effective.reduce((s, v) => s + v, 0),
      seconds,
      wordsPerSecond: rawWords / Math.max(seconds, 1e-9),
      workers: threads,
    };
  }

  /** See KeyedVectors.mostSimilar. */
  mostSimilar(query: SimilarityQuery, topn = 10, options: { restrictVocab?: number } = {}): SimilarWord[] {
    return this.wv.mostSimilar(query, topn, options);
  }

  /** Cosine similarity of two words. */
  similarity(a: string, b: string): number {
    return this.wv.similarity(a, b);
  }

  /** A copy of the vector of `word`. */
  getVector(word: string, options: { norm?: boolean } = {}): Float32Array {
    return this.wv.getVector(word, options);
  }

  /** Analogy accuracy by section; see eval-words.ts. */
  evaluateWordAnalogies(pathOrText: string, options: AnalogyOptions = {}): AnalogyResult {
    return this.wv.evaluateWordAnalogies(pathOrText, options);
  }

  /** Spearman and Pearson correlation with human similarity scores; see eval-words.ts. */
  evaluateWordPairs(pathOrText: string, options: PairsOptions = {}): PairsResult {
    return this.wv.evaluateWordPairs(pathOrText, options);
  }

  /** Saves the word vectors in the word2vec text format (load them with `KeyedVectors.load`). */
  save(path: string): void {
    this.wv.save(path);
  }
}

/** Runs the jobs on this thread and `threads − 1` workers, blocking until all are done. */
function runThreaded(plan: JobPlan, threads: number): void {
  const ports: MessagePort[] = [];
  const workers: Worker[] = [];
  for (let r = 1; r < threads; r++) {
    const { port1, port2 } = new MessageChannel();
    const w = new Worker(new URL("./worker.js", import.meta.url), {
      workerData: { plan, runner: r, port: port2 },
      transferList: [port2],
    });
    // A worker that fails to start only leaves its share to the others; a failing job raises FAILED.
    w.on("error", () => {});
    w.unref();
    ports.push(port1);
    workers.push(w);
  }
  runJobs(plan, 0);
  const total = plan.alphas.length;
  const control = plan.control;
  let seen = -1;
  let since = performance.now();
  for (;;) {
    const done = Atomics.load(control, DONE_JOBS);
    if (done >= total || Atomics.load(control, FAILED) !== 0) break;
    if (done !== seen) {
      seen = done;
      since = performance.now();
    } else if (performance.now() - since > STALL_MS) {
      Atomics.store(control, FAILED, 2);
      break;
    }
    Atomics.wait(control, DONE_JOBS, done, 100);
  }
  for (const w of workers) void w.terminate();
  const failed = Atomics.load(control, FAILED);
  if (failed === 1) {
    const messages = ports.map((p) => receiveMessageOnPort(p)?.message).filter(Boolean);
    throw new Error(`Word2Vec.train: a worker thread failed: ${messages[0] ?? "unknown error"}`);
  }
  if (failed === 2)
    throw new Error(`Word2Vec.train: a worker thread stopped making progress for ${STALL_MS / 1000} s`);
  for (const p of ports) p.close();
}

function checkSentences(sentences: string[][], where: string): void {
  checkTokenDocs(sentences, where, "sentence");
  if (sentences.length === 0) throw new Error(`${where}: no sentences`);
}

function floats(n: number, shared: boolean): Float32Array {
  return shared ? new Float32Array(new SharedArrayBuffer(4 * n)) : new Float32Array(n);
}

type Typed = Int32Array | Uint32Array | Float32Array | Float64Array;

/** The array itself, or a copy in a SharedArrayBuffer when `shared`. */
function copy<A extends Typed>(a: A, shared: boolean): A {
  if (!shared) return a;
  const Ctor = a.constructor as new (buffer: SharedArrayBuffer) => A;
  const out = new Ctor(new SharedArrayBuffer(a.byteLength));
  out.set(a as never);
  return out;
}
