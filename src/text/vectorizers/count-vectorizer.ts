/** Term counts per document, as scikit-learn's CountVectorizer (version 1.2). */
import { buildAnalyzer, type AnalyzerOptions } from "./analyzer.js";
import { csrFromRows, type CsrMatrix } from "./sparse.js";
import { compareCodePoints } from "../unicode.js";

/**
 * A document-frequency bound. A number is scikit-learn's int-or-float convention: an integer is a number of
 * documents and a fraction in [0, 1] a proportion of them. JavaScript cannot tell 1 from 1.0, so 1 means
 * scikit-learn's default for the option (minDf: 1 document; maxDf: 100% of documents); the object forms
 * say it explicitly (`maxDf: { count: 1 }` keeps only terms that occur in a single document).
 */
export type DfBound = number | { count: number } | { proportion: number };

export interface CountVectorizerOptions extends AnalyzerOptions {
  /** Ignore terms in fewer documents (default 1). */
  minDf?: DfBound;
  /** Ignore terms in more documents (default 1.0, i.e. none ignored). */
  maxDf?: DfBound;
  /** Keep only the `maxFeatures` terms most frequent over the corpus (default all). */
  maxFeatures?: number | null;
  /** Record 1 for every present term instead of its count (default false). */
  binary?: boolean;
}

/**
 * Turns documents into a sparse matrix of term counts. The vocabulary is sorted by code point (Python's
 * string order) after `minDf`/`maxDf`/`maxFeatures` filtering; terms beyond `maxFeatures` are cut by total
 * count, ties keeping the alphabetically first. (scikit-learn chooses among terms tied at the cut with numpy's
 * unstable argsort, so its choice there depends on the numpy version; without such a tie the vocabularies are
 * equal; on small vocabularies numpy keeps ties in place, as here.)
 * @example
 * const cv = new gs.text.CountVectorizer();
 * const X = cv.fitTransform(["the cat sat", "the cat"]); // columns: cat, sat, the
 * cv.getFeatureNamesOut(); // ["cat", "sat", "the"]
 */
export class CountVectorizer {
  protected readonly options: CountVectorizerOptions;
  protected readonly name: string;
  private readonly analyze: (doc: string) => string[];
  private vocab: Map<string, number> | null = null;

  constructor(options: CountVectorizerOptions = {}) {
    this.name = new.target.name;
    this.options = { ...options };
    this.analyze = buildAnalyzer(options, this.name);
    const maxFeatures = options.maxFeatures ?? null;
    if (maxFeatures !== null && (!Number.isInteger(maxFeatures) || maxFeatures < 1))
      throw new Error(`${this.name}: maxFeatures must be a positive integer or null, got ${maxFeatures}`);
    dfLimit(options.minDf ?? 1, 1, "minDf", this.name);
    dfLimit(options.maxDf ?? 1, 1, "maxDf", this.name);
  }

  /** The analyzer: document → terms (lowercased tokens, stop words removed, n-grams). */
  buildAnalyzer(): (doc: string) => string[] {
    return this.analyze;
  }

  /** Term → column, like `vocabulary_`. */
  get vocabulary(): ReadonlyMap<string, number> {
    return this.fitted();
  }

  /** The vocabulary; an error when fit() has not run. */
  protected fitted(): Map<string, number> {
    if (this.vocab === null)
      throw new Error(`${this.name}: not fitted yet; call fit() or fitTransform() first`);
    return this.vocab;
  }

  /** The terms in column order, like `get_feature_names_out()`. */
  getFeatureNamesOut(): string[] {
    return [...this.vocabulary.keys()];
  }

  /** Learns the vocabulary of `docs`. */
  fit(docs: string[]): this {
    this.fitTransform(docs);
    return this;
  }

  /** Learns the vocabulary and returns the count matrix of `docs`, shape [docs.length, number of terms]. */
  fitTransform(docs: string[]): CsrMatrix {
    const perDoc = this.countTerms(docs);
    const terms = new Map<string, number>(); // term -> its slot in df (documents) and tf (total count)
    const df: number[] = [];
    const tf: number[] = [];
    for (const counts of perDoc)
      for (const [term, c] of counts) {
        let j = terms.get(term);
        if (j === undefined) {
          j = df.length;
          terms.set(term, j);
          df.push(0);
          tf.push(0);
        }
        df[j]++;
        tf[j] += c;
      }
    if (terms.size === 0)
      throw new Error(`${this.name}.fit: empty vocabulary; perhaps the documents only contain stop words`);
    const n = docs.length;
    const maxDocs = dfLimit(this.options.maxDf ?? 1, n, "maxDf", this.name);
    const minDocs = dfLimit(this.options.minDf ?? 1, n, "minDf", this.name, true);
    if (maxDocs < minDocs)
      throw new Error(
        `${this.name}.fit: maxDf corresponds to fewer documents (${maxDocs}) than minDf (${minDocs}) of ${n}`,
      );
    const sorted = [...terms.keys()].sort(compareCodePoints);
    let kept = sorted.filter((t) => {
      const d = df[terms.get(t) as number];
      return d <= maxDocs && d >= minDocs;
    });
    const maxFeatures = this.options.maxFeatures ?? null;
    if (maxFeatures !== null && kept.length > maxFeatures) {
      // Stable sort by decreasing total count keeps ties in alphabetical order; then back to alphabetical.
      const top = new Set(
        [...kept]
          .sort((a, b) => tf[terms.get(b) as number] - tf[terms.get(a) as number])
          .slice(0, maxFeatures),
      );
      kept = kept.filter((t) => top.has(t));
    }
    if (kept.length === 0)
      throw new Error(
        `${this.name}.fit: after pruning, no terms remain; try a lower minDf or a higher maxDf`,
      );
    this.vocab = new Map(kept.map((t, j) => [t, j]));
    return this.countMatrix(perDoc);
  }

  /** The count matrix of `docs` over the fitted vocabulary (unknown terms are ignored). */
  transform(docs: string[]): CsrMatrix {
    this.fitted();
    return this.countMatrix(this.countTerms(docs));
  }

  private countTerms(docs: string[]): Map<string, number>[] {
    if (typeof docs === "string" || !Array.isArray(docs))
      throw new Error(`${this.name}: expected an array of documents (strings), got ${typeof docs}`);
    return docs.map((doc) => {
      const counts = new Map<string, number>();
      for (const term of this.analyze(doc)) counts.set(term, (counts.get(term) ?? 0) + 1);
      return counts;
    });
  }

  private countMatrix(perDoc: Map<string, number>[]): CsrMatrix {
    const vocab = this.fitted();
    const binary = this.options.binary ?? false;
    const rows = perDoc.map((counts) => {
      const row: [number, number][] = [];
      for (const [term, c] of counts) {
        const j = vocab.get(term);
        if (j !== undefined) row.push([j, binary ? 1 : c]);
      }
      return row;
    });
    return csrFromRows(rows, vocab.size);
  }
}

/**
 * A df bound as a number of documents out of `nDocs` (scikit-learn: an int as is, a float times nDocs). The
 * ambiguous 1 is a count for minDf and a proportion for maxDf, as their defaults.
 */
function dfLimit(bound: DfBound, nDocs: number, name: string, where: string, oneIsCount = false): number {
  if (typeof bound === "object" && bound !== null) {
    if ("count" in bound && Number.isInteger(bound.count) && bound.count >= 0) return bound.count;
    if ("proportion" in bound && bound.proportion >= 0 && bound.proportion <= 1)
      return bound.proportion * nDocs;
  } else if (typeof bound === "number" && bound >= 0) {
    if (bound === 1) return oneIsCount ? 1 : nDocs;
    if (Number.isInteger(bound)) return bound;
    if (bound < 1) return bound * nDocs;
  }
  throw new Error(
    `${where}: ${name} must be an integer count >= 0, a proportion in [0, 1], { count } or { proportion }, ` +
      `got ${JSON.stringify(bound)}`,
  );
}
