/** Okapi BM25 ranking, a second scorer beside tf-idf. */
import { buildAnalyzer, type AnalyzerOptions } from "./analyzer.js";
import { topK, type SearchHit } from "./search.js";

export interface BM25Options extends Omit<AnalyzerOptions, "ngramRange"> {
  /** Term-frequency saturation (default 1.5). */
  k1?: number;
  /** Length normalisation, 0 (none) to 1 (full) (default 0.75). */
  b?: number;
}

/**
 * Okapi BM25. The score of document d for a query is the sum over the query's terms q (a repeated term counts
 * again, as rank_bm25 does) of
 *
 *     idf(q) · tf(q, d) · (k1 + 1) / (tf(q, d) + k1 · (1 − b + b · |d| / avgdl))
 *
 * with Lucene's idf, idf(q) = ln(1 + (N − df(q) + 0.5) / (df(q) + 0.5)), which is never negative. (rank_bm25's
 * BM25Okapi uses the same formula with idf = ln((N − df + 0.5) / (df + 0.5)), floored at 0.25 · mean idf;
 * Lucene since version 8 leaves out the constant factor (k1 + 1), which does not change the ranking.)
 * Documents given as strings are tokenized like TfidfVectorizer (lowercase, `(?u)\b\w\w+\b`); token lists are
 * used as they are.
 * @example
 * const bm25 = new gs.text.BM25().fit(["the cat sat", "the dog sat on the log"]);
 * bm25.search("cat", 1); // [{ index: 0, score: 0.86... }]
 */
export class BM25 {
  readonly k1: number;
  readonly b: number;
  private readonly analyze: (doc: string) => string[];
  private postings = new Map<string, { docs: number[]; tfs: number[] }>();
  private lengths = new Float64Array(0);
  private avgLength = 0;

  constructor(options: BM25Options = {}) {
    this.k1 = options.k1 ?? 1.5;
    this.b = options.b ?? 0.75;
    if (!(this.k1 >= 0) || !Number.isFinite(this.k1))
      throw new Error(`BM25: k1 must be >= 0, got ${this.k1}`);
    if (!(this.b >= 0 && this.b <= 1)) throw new Error(`BM25: b must be in [0, 1], got ${this.b}`);
    this.analyze = buildAnalyzer(options, "BM25");
  }

  /** Indexes the corpus: strings are tokenized, token lists taken as they are. */
  fit(docs: string[] | string[][]): this {
    if (!Array.isArray(docs) || docs.length === 0)
      throw new Error("BM25.fit: expected a non-empty array of documents (strings or token lists)");
    this.postings = new Map();
    this.lengths = new Float64Array(docs.length);
    docs.forEach((doc, d) => {
      const tokens = this.tokens(doc, "BM25.fit");
      this.lengths[d] = tokens.length;
      const counts = new Map<string, number>();
      for (const t of tokens) counts.set(t, (counts.get(t) ?? 0) + 1);
      for (const [t, c] of counts) {
        let p = this.postings.get(t);
        if (p === undefined) this.postings.set(t, (p = { docs: [], tfs: [] }));
        p.docs.push(d);
        p.tfs.push(c);
      }
    });
    this.avgLength = this.lengths.reduce((s, l) => s + l, 0) / docs.length;
    return this;
  }

  /** Number of indexed documents. */
  get nDocs(): number {
    return this.lengths.length;
  }

  /** Mean document length in tokens. */
  get avgdl(): number {
    return this.avgLength;
  }

  /** Number of documents that contain `term`. */
  docFreq(term: string): number {
    return this.postings.get(term)?.docs.length ?? 0;
  }

  /** Lucene's BM25 idf of `term`: ln(1 + (N − df + 0.5) / (df + 0.5)). */
  idf(term: string): number {
    const df = this.docFreq(term);
    return Math.log(1 + (this.nDocs - df + 0.5) / (df + 0.5));
  }

  /** The BM25 score of every document for `query` (a string, tokenized like the corpus, or a token list). */
  scores(query: string | string[]): Float64Array {
    if (this.nDocs === 0) throw new Error("BM25.scores: not fitted yet; call fit(docs) first");
    const out = new Float64Array(this.nDocs);
    const { k1, b } = this;
    for (const q of this.tokens(query, "BM25.scores")) {
      const p = this.postings.get(q);
      if (p === undefined) continue;
      const idf = this.idf(q);
      for (let i = 0; i < p.docs.length; i++) {
        const d = p.docs[i];
        const tf = p.tfs[i];
        const lengthNorm = this.avgLength === 0 ? 1 : 1 - b + (b * this.lengths[d]) / this.avgLength;
        out[d] += (idf * tf * (k1 + 1)) / (tf + k1 * lengthNorm);
      }
    }
    return out;
  }

  /** The `k` best documents for `query`, highest score first (ties: lower index). */
  search(query: string | string[], k = 10): SearchHit[] {
    return topK(this.scores(query), k);
  }

  private tokens(doc: string | string[], where: string): string[] {
    if (typeof doc === "string") return this.analyze(doc);
    if (Array.isArray(doc) && doc.every((t) => typeof t === "string")) return doc;
    throw new Error(`${where}: a document must be a string or an array of token strings`);
  }
}
