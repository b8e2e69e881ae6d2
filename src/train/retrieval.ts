/**
 * Training a dense retriever (gs.models.TextEncoder) with InfoNCE and in-batch negatives, and searching
 * with it. Two kinds of pairs:
 * - unsupervised, from the corpus alone: two independent crops of one document (Contriever), or a
 *   document's title and its text;
 * - supervised, from a labelled training set: SciFact's `claims_labels.jsonl` holds every train and dev
 *   claim (`{id, split, claim, cited_doc_ids, evidence}`; evidence maps a cited document to SUPPORT or
 *   CONTRADICT, and is empty for NOT-ENOUGH-INFO claims). The pairs are (claim, cited abstract) of the
 *   "train" split only; the dev split is BEIR's test set and is never trained on.
 * The checkpoint is chosen on claims held out from the training split (val = 1 − nDCG@10 on them); the
 * test queries are only evaluated.
 */
import { existsSync } from "node:fs";
import * as path from "node:path";
import { Generator, manualSeed } from "../tensor/random.js";
import { TextEncoder, type TextEncoderConfig } from "../models/text-encoder.js";
import { infoNCE } from "../nn/info-nce.js";
import { AdamW } from "../optim/adam.js";
import type { Optimizer } from "../optim/optimizer.js";
import { cosineWithWarmupLr } from "../optim/lr-scheduler.js";
import { BPETokenizer } from "../text/tokenizers/bpe.js";
import { BM25 } from "../text/vectorizers/bm25.js";
import { DenseIndex } from "../text/retrieval/index.js";
import { evaluateRun, type QrelsLike, type RetrievalScores, type Run } from "../text/retrieval/metrics.js";
import { loadRetrievalData, type BeirDoc, type Qrels } from "../data/beir.js";
import { readText } from "../io/files.js";
import { checkpointFile, loadCheckpoint } from "../io/checkpoint.js";
import { trainLoop, type TrainHooks } from "./loop.js";
import { RunRecorder } from "./recorder.js";

export const RETRIEVAL_DEFAULTS = {
  /** A BEIR folder: corpus.jsonl(.gz), queries.jsonl, qrels/test.tsv. */
  data_dir: "",
  /** "unsupervised" (crops, title-text), "supervised" (training claims) or "both". */
  pairs: "unsupervised",
  /** SciFact's claims_labels.jsonl ("": data_dir/claims_labels.jsonl). */
  claims: "",
  /** Training claims held out to choose the checkpoint. */
  val_claims: 100,
  /** "transformer", "bag" (token embeddings only) or "bigru": see TextEncoder. */
  arch: "transformer",
  /** "mean" or "idf" (pooling weighted by each token's idf in the corpus). */
  pooling: "mean",
  /** BM25-mined hard negatives per pair (0: in-batch negatives only); see `mineHardNegatives`. */
  hard_negatives: 0,
  vocab_size: 4096,
  /** Characters of the corpus the BPE trainer reads (0: all). */
  bpe_chars: 1_000_000,
  d_model: 128,
  n_head: 4,
  n_layer: 2,
  d_ff: 512,
  dropout: 0.1,
  /** Tokens of a query or a training crop. */
  max_len: 64,
  /** Tokens of a document when it is indexed (title, then text). */
  doc_len: 128,
  batch_size: 32,
  max_iters: 200,
  eval_interval: 100,
  lr: 1e-3,
  warmup_iters: 20,
  weight_decay: 0.01,
  grad_clip: 1.0,
  /** InfoNCE's scale (inverse temperature). */
  scale: 20,
  symmetric: true,
  seed: 0,
  max_seconds: 0,
  out_dir: "",
};

export type RetrievalConfig = typeof RETRIEVAL_DEFAULTS;

/** A query and a document that should land close together, as token ids. */
interface Pair {
  query: number[];
  doc: number[];
  /** Index of the document the pair came from (for its mined hard negatives), -1 for none. */
  source: number;
  /** Query id of a supervised pair (its mined negatives), "" for none. */
  claim: string;
}

/** Title and text of a document, joined the way BM25 and the encoder read it. */
export const docText = (d: BeirDoc): string => (d.title ? `${d.title} ${d.text}` : d.text);

/** The pad token the encoder's tokenizer carries (the last id). */
export const PAD_TOKEN = "<pad>";

/** A BPE tokenizer trained on the corpus, with PAD_TOKEN as its last id. */
export function corpusTokenizer(corpus: readonly BeirDoc[], vocabSize: number, chars: number): BPETokenizer {
  const texts: string[] = [];
  let total = 0;
  for (const d of corpus) {
    if (chars > 0 && total >= chars) break;
    texts.push(docText(d));
    total += texts[texts.length - 1].length;
  }
  return BPETokenizer.train(texts, { vocabSize, specialTokens: [PAD_TOKEN] });
}

/** The encoder's config for a tokenizer: its vocabulary and pad id, the longer of the two lengths. */
function encoderConfig(
  c: RetrievalConfig,
  tok: BPETokenizer,
): Partial<TextEncoderConfig> & { vocabSize: number } {
  return {
    vocabSize: tok.vocabSize,
    padId: tok.specialTokens.get(PAD_TOKEN)!,
    dModel: c.d_model,
    nhead: c.n_head,
    numLayers: c.n_layer,
    dimFeedforward: c.d_ff,
    dropout: c.dropout,
    maxLen: Math.max(c.max_len, c.doc_len),
    arch: c.arch as TextEncoderConfig["arch"],
    pooling: c.pooling as TextEncoderConfig["pooling"],
  };
}

/** BM25's idf of every token id over tokenized documents: ln(1 + (N − df + 0.5) / (df + 0.5)). */
export function tokenIdf(docs: readonly (readonly number[])[], vocabSize: number): Float32Array {
  const df = new Float64Array(vocabSize);
  for (const d of docs) for (const id of new Set(d)) df[id]++;
  return Float32Array.from(df, (n) => Math.log(1 + (docs.length - n + 0.5) / (n + 0.5)));
}

/**
 * Hard negatives mined with BM25: for each query text, the indices of the `depth` best documents that are
 * not among its positives (by document index). Documents BM25 ranks high but that are not cited look
 * like answers and are not: the negatives in-batch sampling rarely finds.
 */
export function mineHardNegatives(
  bm25: BM25,
  queries: readonly { text: string; positives: ReadonlySet<number> }[],
  depth: number,
): number[][] {
  return queries.map(({ text, positives }) =>
    bm25
      .search(text, depth + positives.size)
      .filter((h) => h.score > 0 && !positives.has(h.index))
      .slice(0, depth)
      .map((h) => h.index),
  );
}

/** A dense run: every query's top `k` documents by cosine similarity of their embeddings. */
export function denseRun(
  model: TextEncoder,
  tok: BPETokenizer,
  index: Pick<DenseIndex, "search">,
  queries: ReadonlyMap<string, string>,
  opts: { k?: number; maxLen?: number } = {},
): Run {
  const ids = [...queries.keys()];
  const maxLen = opts.maxLen ?? model.config.maxLen;
  const vectors = model.embed(ids.map((q) => tok.encode(queries.get(q)!).slice(0, maxLen)));
  const hits = index.search(vectors, opts.k ?? 100);
  return new Map(ids.map((q, i) => [q, hits[i]]));
}

/** Embeds every document (its first `docLen` tokens) into an exact index. */
export function buildDenseIndex(
  model: TextEncoder,
  tok: BPETokenizer,
  corpus: readonly BeirDoc[],
  docLen: number,
): DenseIndex {
  const vectors = model.embed(corpus.map((d) => tok.encode(docText(d)).slice(0, docLen)));
  return new DenseIndex(
    corpus.map((d) => d.id),
    vectors,
  );
}

export interface TrainingClaim {
  id: string;
  claim: string;
  docs: string[];
}

/** SciFact's training claims as query text and cited documents (see the file's comment); dev claims are left out. */
export function readTrainingClaims(file: string): TrainingClaim[] {
  return readText(file)
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l, i) => {
      const row = JSON.parse(l) as {
        id?: unknown;
        split?: unknown;
        claim?: unknown;
        cited_doc_ids?: unknown;
      };
      if (typeof row.claim !== "string" || !Array.isArray(row.cited_doc_ids))
        throw new Error(`readTrainingClaims: ${file}:${i + 1}: expected {id, split, claim, cited_doc_ids}`);
      return { id: String(row.id), split: row.split, claim: row.claim, docs: row.cited_doc_ids.map(String) };
    })
    .filter((r) => r.split === "train")
    .map(({ id, claim, docs }) => ({ id, claim, docs }));
}

/**
 * The training claims of a BEIR folder that has SciFact's `claims_labels.jsonl` (else none): those citing a
 * document of the corpus and not judged as test queries, the last `val_claims` of them held out to choose a
 * checkpoint or a fusion weight. `docs` keeps only cited documents that are in the corpus.
 */
export function splitTrainingClaims(
  c: Pick<RetrievalConfig, "data_dir" | "claims" | "val_claims">,
  corpus: readonly BeirDoc[],
  testQrels: QrelsLike,
): { train: TrainingClaim[]; val: TrainingClaim[]; file: string } {
  const file = c.claims || path.join(c.data_dir, "claims_labels.jsonl");
  const ids = new Set(corpus.map((d) => d.id));
  const claims = existsSync(file)
    ? readTrainingClaims(file)
        .filter((cl) => !testQrels.has(cl.id))
        .map((cl) => ({ ...cl, docs: cl.docs.filter((d) => ids.has(d)) }))
        .filter((cl) => cl.docs.length > 0)
    : [];
  if (claims.length <= c.val_claims) return { train: [], val: claims, file };
  const cut = claims.length - c.val_claims;
  return { train: claims.slice(0, cut), val: claims.slice(cut), file };
}

/** A random span of `tokens` of between min(8, n) and min(maxLen, n) tokens. */
function crop(tokens: number[], maxLen: number, rng: Generator): number[] {
  const n = tokens.length;
  const lo = Math.min(8, n);
  const len = lo + Math.floor(rng.random() * (Math.min(maxLen, n) - lo + 1));
  const start = Math.floor(rng.random() * (n - len + 1));
  return tokens.slice(start, start + len);
}

export interface RetrievalResult {
  model: TextEncoder;
  tokenizer: BPETokenizer;
  /** nDCG@10 etc. on the held-out training claims (when claims exist) and on the test queries. */
  val: RetrievalScores | null;
  test: RetrievalScores;
  trainSeconds: number;
}

/**
 * Trains a TextEncoder on `config.pairs` over a BEIR folder with the one training loop, then evaluates
 * it on the folder's test queries.
 */
export function trainRetrieval(
  config: Partial<RetrievalConfig> = {},
  hooks: TrainHooks = {},
): RetrievalResult {
  const c: RetrievalConfig = { ...RETRIEVAL_DEFAULTS, ...config };
  if (!c.data_dir) throw new Error("train retrieval: --data_dir (a BEIR folder) is required");
  if (!["unsupervised", "supervised", "both"].includes(c.pairs))
    throw new RangeError(
      `train retrieval: pairs must be "unsupervised", "supervised" or "both", got "${c.pairs}"`,
    );
  manualSeed(c.seed);
  const rng = new Generator(c.seed + 1);
  const { corpus, queries, qrels } = loadRetrievalData(c.data_dir);
  const tok = corpusTokenizer(corpus, c.vocab_size, c.bpe_chars);
  const docTokens = corpus.map((d) => tok.encode(docText(d)).slice(0, 512));
  const titleTokens = corpus.map((d) => tok.encode(d.title).slice(0, c.max_len));
  const textTokens = corpus.map((d) => tok.encode(d.text).slice(0, c.doc_len));

  const docIndex = new Map(corpus.map((d, i) => [d.id, i]));
  const { train: trainClaims, val: valClaims, file: claimsFile } = splitTrainingClaims(c, corpus, qrels);
  if (c.pairs !== "unsupervised" && trainClaims.length === 0)
    throw new Error(
      `train retrieval: supervised pairs need more than ${c.val_claims} training claims in ${claimsFile}`,
    );
  const supervised: Pair[] = trainClaims.flatMap((cl) =>
    cl.docs.map((d) => ({
      query: tok.encode(cl.claim).slice(0, c.max_len),
      doc: textTokens[docIndex.get(d)!],
      source: -1,
      claim: cl.id,
    })),
  );
  const valQueries = new Map(valClaims.map((cl) => [cl.id, cl.claim]));
  const valQrels: Qrels = new Map(valClaims.map((cl) => [cl.id, new Map(cl.docs.map((d) => [d, 1]))]));

  // BM25 hard negatives: for each training claim, and for each title (the title -> text pairs).
  const HARD_DEPTH = 10;
  const claimNegatives = new Map<string, number[]>();
  const titleNegatives: number[][] = [];
  if (c.hard_negatives > 0) {
    const bm25 = new BM25().fit(corpus.map(docText));
    const mined = mineHardNegatives(
      bm25,
      trainClaims.map((cl) => ({ text: cl.claim, positives: new Set(cl.docs.map((d) => docIndex.get(d)!)) })),
      HARD_DEPTH,
    );
    trainClaims.forEach((cl, i) => claimNegatives.set(cl.id, mined[i]));
    if (c.pairs !== "supervised")
      titleNegatives.push(
        ...mineHardNegatives(
          bm25,
          corpus.map((d, i) => ({ text: d.title, positives: new Set([i]) })),
          HARD_DEPTH,
        ),
      );
  }
  /** Up to `hard_negatives` mined documents of a pair, drawn at random from its list. */
  const hardNegatives = (p: Pair): number[][] => {
    const pool = p.claim ? claimNegatives.get(p.claim) : p.source >= 0 ? titleNegatives[p.source] : undefined;
    if (!pool || pool.length === 0) return [];
    return Array.from(
      { length: c.hard_negatives },
      () => textTokens[pool[Math.floor(rng.random() * pool.length)]],
    );
  };

  const unsupervisedPair = (): Pair => {
    const i = Math.floor(rng.random() * corpus.length);
    if (titleTokens[i].length > 0 && rng.random() < 0.5)
      return { query: titleTokens[i], doc: textTokens[i], source: i, claim: "" };
    return {
      query: crop(docTokens[i], c.max_len, rng),
      doc: crop(docTokens[i], c.max_len, rng),
      source: -1,
      claim: "",
    };
  };
  const nextPair = (): Pair => {
    const useSupervised = c.pairs === "supervised" || (c.pairs === "both" && rng.random() < 0.5);
    return useSupervised ? supervised[Math.floor(rng.random() * supervised.length)] : unsupervisedPair();
  };

  const model = new TextEncoder(encoderConfig(c, tok));
  if (c.pooling === "idf") model.setTokenWeights(tokenIdf(docTokens, tok.vocabSize));
  const optimizer = new AdamW(model.parameters(), {
    lr: c.lr,
    weightDecay: c.weight_decay,
  }) as unknown as Optimizer;
  // The index of the last evaluation serves the final test too when no step came in between.
  let index: { iter: number; index: DenseIndex } | null = null;
  const evaluate = (q: ReadonlyMap<string, string>, judged: QrelsLike, iter: number): RetrievalScores => {
    if (index?.iter !== iter) index = { iter, index: buildDenseIndex(model, tok, corpus, c.doc_len) };
    return evaluateRun(denseRun(model, tok, index.index, q, { maxLen: c.max_len }), judged);
  };
  let lastVal: RetrievalScores | null = null;
  const recorder = new RunRecorder(c.out_dir || null);
  const fit = trainLoop(
    {
      name: "train retrieval",
      description: `TextEncoder ${c.arch === "bag" ? `bag of ${c.d_model}-d embeddings` : `${c.arch} ${c.n_layer}×${c.d_model}`} (${c.pooling} pooling) on ${c.pairs} pairs of ${path.basename(c.data_dir)} (${corpus.length} docs)`,
      model,
      optimizer,
      config: c,
      totalIters: c.max_iters,
      nextBatch: () => Array.from({ length: c.batch_size }, nextPair),
      loss: (pairs) => {
        const q = model.encode(
          TextEncoder.padBatch(
            pairs.map((p) => p.query),
            model.config,
          ),
        );
        // Extra rows of d (the mined negatives) are negatives for every query of the batch.
        const docs = [...pairs.map((p) => p.doc), ...pairs.flatMap(hardNegatives)];
        const d = model.encode(TextEncoder.padBatch(docs, model.config));
        return { loss: infoNCE(q, d, { scale: c.scale, symmetric: c.symmetric }), tokens: pairs.length };
      },
      // Without held-out claims (a corpus alone) there is nothing to choose on: every evaluation ties.
      evaluate: (iter) => {
        lastVal = valQueries.size > 0 ? evaluate(valQueries, valQrels, iter) : null;
        return lastVal ? { val: 1 - lastVal.ndcg, extra: { val_ndcg10: lastVal.ndcg } } : { val: 0 };
      },
      lr: (iter) =>
        cosineWithWarmupLr(iter, {
          lr: c.lr,
          warmupIters: c.warmup_iters,
          lrDecayIters: Math.max(c.max_iters, c.warmup_iters + 1),
          minLr: c.lr / 10,
        }),
      checkpointExtra: () => ({ tokenizer: tok.toJSON() }),
    },
    {
      schedule: { kind: "iterations", maxIters: c.max_iters, evalInterval: c.eval_interval },
      recorder,
      gradClip: c.grad_clip,
      maxSeconds: c.max_seconds,
      checkpoints: "best",
      alwaysSave: valQueries.size === 0,
      title: `TextEncoder on ${path.basename(c.data_dir)} (${c.pairs})`,
    },
    hooks,
  );
  recorder.finish(`TextEncoder on ${path.basename(c.data_dir)} (${c.pairs})`, "InfoNCE");
  return {
    model,
    tokenizer: tok,
    val: lastVal,
    test: evaluate(queries, qrels, fit.iter),
    trainSeconds: fit.stepSeconds,
  };
}

/** The encoder and tokenizer of a `train retrieval` checkpoint folder (or file). */
export function loadRetrievalCheckpoint(ckpt: string): {
  model: TextEncoder;
  tokenizer: BPETokenizer;
  config: RetrievalConfig;
} {
  const file = checkpointFile(ckpt);
  if (!existsSync(file)) throw new Error(`no checkpoint at ${file}`);
  const saved = loadCheckpoint(file);
  const extra = saved.extra as { tokenizer?: unknown } | undefined;
  if (!extra?.tokenizer) throw new Error(`${file} is not a train retrieval checkpoint (no tokenizer inside)`);
  const config = { ...RETRIEVAL_DEFAULTS, ...(saved.config as Partial<RetrievalConfig>) };
  const tokenizer = BPETokenizer.fromJSON(extra.tokenizer);
  const model = new TextEncoder(encoderConfig(config, tokenizer));
  model.loadStateDict(saved.model);
  model.eval();
  return { model, tokenizer, config };
}
