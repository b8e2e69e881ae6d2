/**
 * Ranking metrics as trec_eval (and pytrec_eval, which BEIR calls) computes them: nDCG@k (`ndcg_cut`),
 * Recall@k (`recall`) and MRR@k (BEIR's cut-off reciprocal rank).
 *
 * - A run's hits are ordered as trec_eval orders them: score descending, ties by document id descending
 *   (trec_eval sorts equal scores by docno in reverse string order), whatever order they are given in.
 * - A document is relevant when its grade is > 0; nDCG's gain is the grade itself (linear gain), with
 *   discount 1 / log2(rank + 1), and the ideal ranking sorts the judged grades.
 * - The mean is over the queries that have at least one relevant document; a query the run leaves out
 *   scores 0 (trec_eval -c). BEIR averages over the queries it retrieved for, which is the same when
 *   every judged query is searched.
 */

/** Relevance judgements: query id -> (document id -> grade). */
export type QrelsLike = ReadonlyMap<string, ReadonlyMap<string, number>>;

/** A retrieved document and its score. */
export interface RankedHit {
  docId: string;
  score: number;
}

/** A run: query id -> retrieved documents (any order; see the file's comment). */
export type Run = ReadonlyMap<string, readonly RankedHit[]>;

/** Per-query values and their means. */
export interface RetrievalScores {
  ndcg: number;
  recall: number;
  mrr: number;
  /** Queries averaged (those with a relevant document). */
  queries: number;
  perQuery: Map<string, { ndcg: number; recall: number; mrr: number }>;
}

export interface MetricCutoffs {
  /** nDCG@k (default 10). */
  ndcgAt?: number;
  /** Recall@k (default 100). */
  recallAt?: number;
  /** MRR@k (default 10). */
  mrrAt?: number;
}

/** The document ids of `hits` in trec_eval's order. */
export function trecOrder(hits: readonly RankedHit[]): string[] {
  return [...hits]
    .sort((a, b) => b.score - a.score || (a.docId < b.docId ? 1 : a.docId > b.docId ? -1 : 0))
    .map((h) => h.docId);
}

/** nDCG@k of one ranked list of ids against one query's judgements. */
export function ndcgAt(ranked: readonly string[], judged: ReadonlyMap<string, number>, k: number): number {
  let dcg = 0;
  for (let i = 0; i < Math.min(k, ranked.length); i++) {
    const gain = judged.get(ranked[i]) ?? 0;
    if (gain > 0) dcg += gain / Math.log2(i + 2);
  }
  const ideal = [...judged.values()].filter((g) => g > 0).sort((a, b) => b - a);
  let idcg = 0;
  for (let i = 0; i < Math.min(k, ideal.length); i++) idcg += ideal[i] / Math.log2(i + 2);
  return idcg === 0 ? 0 : dcg / idcg;
}

/** Recall@k: the share of the relevant documents found in the first k. */
export function recallAt(ranked: readonly string[], judged: ReadonlyMap<string, number>, k: number): number {
  const relevant = [...judged.values()].filter((g) => g > 0).length;
  if (relevant === 0) return 0;
  let found = 0;
  for (let i = 0; i < Math.min(k, ranked.length); i++) if ((judged.get(ranked[i]) ?? 0) > 0) found++;
  return found / relevant;
}

/** Reciprocal rank of the first relevant document within the first k (0 if none). */
export function mrrAt(ranked: readonly string[], judged: ReadonlyMap<string, number>, k: number): number {
  for (let i = 0; i < Math.min(k, ranked.length); i++)
    if ((judged.get(ranked[i]) ?? 0) > 0) return 1 / (i + 1);
  return 0;
}

/**
 * nDCG@10, Recall@100 and MRR@10 (or other cut-offs) of a run, per query and averaged.
 * @example
 * const qrels = new Map([["q1", new Map([["d2", 1]])]]);
 * const run = new Map([["q1", [{ docId: "d1", score: 2 }, { docId: "d2", score: 1 }]]]);
 * gs.text.evaluateRun(run, qrels).ndcg; // 1 / log2(3) = 0.6309...
 */
export function evaluateRun(run: Run, qrels: QrelsLike, cutoffs: MetricCutoffs = {}): RetrievalScores {
  const { ndcgAt: kN = 10, recallAt: kR = 100, mrrAt: kM = 10 } = cutoffs;
  for (const [name, k] of [
    ["ndcgAt", kN],
    ["recallAt", kR],
    ["mrrAt", kM],
  ] as const)
    if (!Number.isInteger(k) || k < 1)
      throw new RangeError(`evaluateRun: ${name} must be a positive integer, got ${k}`);
  const perQuery = new Map<string, { ndcg: number; recall: number; mrr: number }>();
  const sum = { ndcg: 0, recall: 0, mrr: 0 };
  for (const [qid, judged] of qrels) {
    if (![...judged.values()].some((g) => g > 0)) continue;
    const ranked = trecOrder(run.get(qid) ?? []);
    const q = {
      ndcg: ndcgAt(ranked, judged, kN),
      recall: recallAt(ranked, judged, kR),
      mrr: mrrAt(ranked, judged, kM),
    };
    perQuery.set(qid, q);
    sum.ndcg += q.ndcg;
    sum.recall += q.recall;
    sum.mrr += q.mrr;
  }
  const n = perQuery.size;
  if (n === 0) throw new Error("evaluateRun: the qrels judge no query relevant to any document");
  return { ndcg: sum.ndcg / n, recall: sum.recall / n, mrr: sum.mrr / n, queries: n, perQuery };
}
