/**
 * Hybrid retrieval: two runs (typically dense and BM25) fused into one.
 * - Reciprocal-rank fusion (Cormack, Clarke & Büttcher 2009): score(d) = Σ_runs 1 / (k + rank(d)), ranks from 1,
 *   k = 60; it needs no tuning and ignores the scales of the scores.
 * - A normalised score mix: each run's scores min-max scaled to [0, 1] per query (a document missing from a run
 *   gets 0 there), then w · first + (1 − w) · second. The weight is chosen on held-out judged queries
 *   (`chooseMixWeight`), never on the test queries.
 */
import { evaluateRun, trecOrder, type QrelsLike, type RankedHit, type Run } from "./metrics.js";

/** The fused run keeps this many documents per query unless told otherwise. */
const DEFAULT_DEPTH = 100;

/** Every query of any run, in first-seen order. */
function queryIds(runs: readonly Run[]): string[] {
  const ids = new Set<string>();
  for (const run of runs) for (const q of run.keys()) ids.add(q);
  return [...ids];
}

/** The `depth` best of a score table, in trec_eval's order (score descending, ties by id descending). */
function best(scores: Map<string, number>, depth: number): RankedHit[] {
  const hits = [...scores].map(([docId, score]) => ({ docId, score }));
  return trecOrder(hits)
    .slice(0, depth)
    .map((docId) => ({ docId, score: scores.get(docId)! }));
}

/**
 * Reciprocal-rank fusion of runs: each document scores Σ 1 / (k + rank) over the runs that retrieved it.
 * @example gs.text.reciprocalRankFusion([denseRun, bm25Run]) // a Run, 100 documents per query
 */
export function reciprocalRankFusion(runs: readonly Run[], opts: { k?: number; depth?: number } = {}): Run {
  const k = opts.k ?? 60;
  const depth = opts.depth ?? DEFAULT_DEPTH;
  if (runs.length === 0) throw new Error("reciprocalRankFusion: no runs to fuse");
  if (!(k >= 0)) throw new RangeError(`reciprocalRankFusion: k must be >= 0, got ${k}`);
  const out = new Map<string, RankedHit[]>();
  for (const q of queryIds(runs)) {
    const scores = new Map<string, number>();
    for (const run of runs)
      trecOrder(run.get(q) ?? []).forEach((docId, i) =>
        scores.set(docId, (scores.get(docId) ?? 0) + 1 / (k + i + 1)),
      );
    out.set(q, best(scores, depth));
  }
  return out;
}

/** One query's hits with scores min-max scaled to [0, 1] (all equal: all 1). */
function minMax(hits: readonly RankedHit[]): Map<string, number> {
  let lo = Infinity;
  let hi = -Infinity;
  for (const h of hits) {
    lo = Math.min(lo, h.score);
    hi = Math.max(hi, h.score);
  }
  return new Map(hits.map((h) => [h.docId, hi > lo ? (h.score - lo) / (hi - lo) : 1]));
}

/**
 * The normalised score mix `weight` · first + (1 − weight) · second, per query, each run min-max scaled.
 * @example gs.text.mixScores(denseRun, bm25Run, 0.3) // 30% dense, 70% BM25
 */
export function mixScores(first: Run, second: Run, weight: number, opts: { depth?: number } = {}): Run {
  if (!(weight >= 0 && weight <= 1))
    throw new RangeError(`mixScores: weight must be in [0, 1], got ${weight}`);
  const depth = opts.depth ?? DEFAULT_DEPTH;
  const out = new Map<string, RankedHit[]>();
  for (const q of queryIds([first, second])) {
    const a = minMax(first.get(q) ?? []);
    const b = minMax(second.get(q) ?? []);
    const scores = new Map<string, number>();
    for (const [d, s] of a) scores.set(d, weight * s);
    for (const [d, s] of b) scores.set(d, (scores.get(d) ?? 0) + (1 - weight) * s);
    out.set(q, best(scores, depth));
  }
  return out;
}

/** The weights `chooseMixWeight` tries by default: 0, 0.05, ..., 1. */
export const MIX_WEIGHT_GRID: readonly number[] = Array.from({ length: 21 }, (_, i) => i / 20);

/**
 * The mix weight with the best nDCG@10 on judged held-out queries (ties: the smaller weight), with every
 * weight's score. Give it runs of held-out queries only, never of the test queries.
 */
export function chooseMixWeight(
  first: Run,
  second: Run,
  qrels: QrelsLike,
  grid: readonly number[] = MIX_WEIGHT_GRID,
): { weight: number; ndcg: number; tried: { weight: number; ndcg: number }[] } {
  if (grid.length === 0) throw new Error("chooseMixWeight: no weights to try");
  const tried = grid.map((weight) => ({
    weight,
    ndcg: evaluateRun(mixScores(first, second, weight), qrels).ndcg,
  }));
  const top = tried.reduce((a, b) => (b.ndcg > a.ndcg || (b.ndcg === a.ndcg && b.weight < a.weight) ? b : a));
  return { ...top, tried };
}
