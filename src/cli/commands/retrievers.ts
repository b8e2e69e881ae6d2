/**
 * The retrievers behind `gradstack search` and `gradstack eval-retrieval`: BM25, dense (an encoder checkpoint
 * and an index folder) and hybrid (the two fused), each a function from query texts to a run.
 */
import { existsSync } from "node:fs";
import * as path from "node:path";
import { UsageError } from "../usage-error.js";
import { readText } from "../../io/files.js";
import { readBeirCorpus, type BeirDoc } from "../../data/beir.js";
import { loadCranfield } from "../../data/cranfield.js";
import { BM25 } from "../../text/vectorizers/bm25.js";
import type { DenseIndex } from "../../text/retrieval/index.js";
import { HnswIndex } from "../../text/retrieval/hnsw.js";
import { isIndexFolder, loadIndexFolder, saveIndexFolder } from "../../text/retrieval/index-folder.js";
import { chooseMixWeight, mixScores, reciprocalRankFusion } from "../../text/retrieval/hybrid.js";
import type { QrelsLike, RankedHit, Run } from "../../text/retrieval/metrics.js";
import {
  buildDenseIndex,
  denseRun,
  loadRetrievalCheckpoint,
  splitTrainingClaims,
  docText,
} from "../../train/retrieval.js";

/** Ranks documents for query texts: the run of one retrieval mode. */
export type Retriever = (queries: ReadonlyMap<string, string>, k: number) => Run;

/** The options every retrieval command shares. */
export const RETRIEVER_DEFAULTS = {
  mode: "bm25",
  model: "",
  index: "",
  k1: 1.5,
  b: 0.75,
  fusion: "rrf",
  weight: -1,
  rrf_k: 60,
  val_claims: 100,
  ann: "exact",
};

export const RETRIEVER_HELP = {
  mode: '"bm25" (Okapi BM25 over title and text), "dense" (an encoder, --model or --index) or "hybrid" (both, fused)',
  model: "dense, hybrid: the folder of a `gradstack embed train` checkpoint (default: the one --index names)",
  index:
    "dense, hybrid: an index folder (`gradstack embed index`); read when it exists, else written after encoding",
  k1: "bm25: term-frequency saturation",
  b: "bm25: length normalisation (0 to 1)",
  fusion:
    'hybrid: "rrf" (reciprocal-rank fusion) or "mix" (min-max scaled scores, weight · dense + (1 − weight) · bm25)',
  weight:
    "hybrid mix: the dense weight in [0, 1]; -1: chosen on held-out training claims (claims_labels.jsonl)",
  rrf_k: "hybrid rrf: the k of 1 / (k + rank)",
  val_claims:
    "hybrid mix, weight -1: training claims held out to choose the weight (as embed train holds them out)",
  ann: 'dense, hybrid: "exact" (a matrix product per batch of queries) or "hnsw" (approximate: the optional hnswlib-node)',
};

export type RetrieverOptions = typeof RETRIEVER_DEFAULTS;

/** Documents each run passes to the fusion (deeper than the 100 evaluated, so that fusion can promote). */
const FUSION_DEPTH = 1000;

/** A BEIR or Cranfield folder's corpus, or the non-blank lines of a text file with ids "1", "2", ... (line numbers). */
export function readCorpus(data: string, where: string): BeirDoc[] {
  if (!existsSync(data)) throw new Error(`${where}: ${path.resolve(data)} does not exist`);
  if (existsSync(path.join(data, "cran.qry"))) return loadCranfield(data).corpus;
  const file = ["corpus.jsonl", "corpus.jsonl.gz"].map((f) => path.join(data, f)).find(existsSync);
  if (file !== undefined) return readBeirCorpus(file);
  const docs: BeirDoc[] = [];
  readText(data)
    .split(/\r?\n/)
    .forEach((line, i) => {
      if (line.trim() !== "") docs.push({ id: String(i + 1), title: "", text: line });
    });
  if (docs.length === 0) throw new Error(`${where}: ${data} holds no document (every line is blank)`);
  return docs;
}

/** The corpus to search: --data, or the one the index folder was built over. */
export function corpusPath(data: string, index: string, where: string): string {
  if (data) return data;
  if (index && isIndexFolder(index)) return loadIndexFolder(index).info.data;
  throw new UsageError(
    `${where}: give the corpus (--data) or an index folder that names it (--index DIR)`,
    where,
  );
}

/** Checks the mode's options before any work. */
export function checkRetrieverOptions(c: RetrieverOptions, where: string): void {
  if (!["bm25", "dense", "hybrid"].includes(c.mode))
    throw new UsageError(`${where}: --mode must be "bm25", "dense" or "hybrid", got "${c.mode}"`, where);
  if (c.mode !== "bm25" && !c.model && !(c.index && isIndexFolder(c.index)))
    throw new UsageError(
      `${where}: --mode ${c.mode} needs --model CKPT_DIR or an existing --index DIR`,
      where,
    );
  if (c.fusion !== "rrf" && c.fusion !== "mix")
    throw new UsageError(`${where}: --fusion must be "rrf" or "mix", got "${c.fusion}"`, where);
  if (c.ann !== "exact" && c.ann !== "hnsw")
    throw new UsageError(`${where}: --ann must be "exact" or "hnsw", got "${c.ann}"`, where);
  if (c.weight !== -1 && !(c.weight >= 0 && c.weight <= 1))
    throw new UsageError(`${where}: --weight must be in [0, 1], or -1 to choose it, got ${c.weight}`, where);
}

/** BM25's run; as in Lucene, a document that shares no term with the query is not retrieved. */
export function bm25Retriever(corpus: readonly BeirDoc[], k1: number, b: number): Retriever {
  const bm25 = new BM25({ k1, b }).fit(corpus.map(docText));
  return (queries, k) =>
    new Map(
      [...queries].map(([qid, text]): [string, RankedHit[]] => [
        qid,
        bm25
          .search(text, k)
          .filter((h) => h.score > 0)
          .map((h) => ({ docId: corpus[h.index].id, score: h.score })),
      ]),
    );
}

/** The dense retriever of --model / --index over `corpus` (encoding it, and saving the folder, when needed). */
export function denseRetriever(
  corpus: readonly BeirDoc[],
  c: RetrieverOptions,
  data: string,
  where: string,
): Retriever {
  const saved = c.index && isIndexFolder(c.index) ? loadIndexFolder(c.index) : null;
  const modelDir = c.model || saved!.info.model;
  const { model, tokenizer, config } = loadRetrievalCheckpoint(modelDir);
  let index: DenseIndex;
  if (saved) {
    index = saved.index;
    if (index.size !== corpus.length || index.ids.some((id, i) => id !== corpus[i].id))
      throw new Error(
        `${where}: the index ${c.index} was built over other documents than the ${corpus.length} of ${data}`,
      );
    if (index.dim !== model.config.dModel)
      throw new Error(
        `${where}: the index ${c.index} holds ${index.dim}-d vectors, the encoder ${modelDir} makes ${model.config.dModel}-d ones`,
      );
  } else {
    index = buildDenseIndex(model, tokenizer, corpus, config.doc_len);
    if (c.index) saveIndexFolder(c.index, index, { model: modelDir, data });
  }
  const searcher = c.ann === "hnsw" ? HnswIndex.build(index) : index;
  return (queries, k) => denseRun(model, tokenizer, searcher, queries, { k, maxLen: config.max_len });
}

/**
 * The retriever of `c.mode`. For hybrid "mix" with weight -1, the weight is chosen on the held-out training
 * claims of a SciFact-style folder (`report` hears the choice); the test queries are never looked at.
 */
export function openRetriever(
  corpus: readonly BeirDoc[],
  c: RetrieverOptions,
  data: string,
  where: string,
  opts: { testQrels?: QrelsLike; report?: (line: string) => void } = {},
): Retriever {
  if (c.mode === "bm25") return bm25Retriever(corpus, c.k1, c.b);
  const dense = denseRetriever(corpus, c, data, where);
  if (c.mode === "dense") return dense;
  const bm25 = bm25Retriever(corpus, c.k1, c.b);
  if (c.fusion === "rrf")
    return (queries, k) =>
      reciprocalRankFusion([dense(queries, FUSION_DEPTH), bm25(queries, FUSION_DEPTH)], {
        k: c.rrf_k,
        depth: k,
      });
  let weight = c.weight;
  if (weight === -1) {
    const { val } = splitTrainingClaims(
      { data_dir: data, claims: "", val_claims: c.val_claims },
      corpus,
      opts.testQrels ?? new Map(),
    );
    if (val.length === 0)
      throw new Error(
        `${where}: --weight -1 chooses the weight on held-out training claims, and ${data} has no claims_labels.jsonl; give --weight W or --fusion rrf`,
      );
    const queries = new Map(val.map((cl) => [cl.id, cl.claim]));
    const qrels = new Map(val.map((cl) => [cl.id, new Map(cl.docs.map((d): [string, number] => [d, 1]))]));
    const chosen = chooseMixWeight(dense(queries, FUSION_DEPTH), bm25(queries, FUSION_DEPTH), qrels);
    weight = chosen.weight;
    opts.report?.(
      `hybrid mix: dense weight ${weight} chosen on ${val.length} held-out training claims (their nDCG@10 ${chosen.ndcg.toFixed(4)})`,
    );
  }
  return (queries, k) =>
    mixScores(dense(queries, FUSION_DEPTH), bm25(queries, FUSION_DEPTH), weight, { depth: k });
}

/**
 * The corpus of --data (or the one --index names), checked options, and its retriever: what `search` and
 * `rag` start from.
 */
export function openCorpusSearch(
  c: RetrieverOptions & { data: string },
  where: string,
): { corpus: BeirDoc[]; byId: Map<string, BeirDoc>; retrieve: Retriever } {
  checkRetrieverOptions(c, where);
  const data = corpusPath(c.data, c.index, where);
  const corpus = readCorpus(data, where);
  const retrieve = openRetriever(corpus, c, data, where, { report: (line) => console.log(line) });
  return { corpus, byId: new Map(corpus.map((d) => [d.id, d])), retrieve };
}

/** `text` cut to `width` characters, an ellipsis marking the cut. */
export const clip = (text: string, width: number): string =>
  text.length > width ? `${text.slice(0, width - 1)}…` : text;
