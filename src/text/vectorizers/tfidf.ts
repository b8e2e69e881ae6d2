/** tf-idf weighting, as scikit-learn 1.2's TfidfTransformer and TfidfVectorizer, with the same formulas. */
import { CountVectorizer, type CountVectorizerOptions } from "./count-vectorizer.js";
import { normalizeRows, type CsrMatrix } from "./sparse.js";

export interface TfidfOptions {
  /** Row normalisation: "l2" (default, unit Euclidean length), "l1" or null (none). */
  norm?: "l2" | "l1" | null;
  /** Multiply by the inverse document frequency (default true). */
  useIdf?: boolean;
  /** idf = ln((1 + n) / (1 + df)) + 1, as if one extra document held every term once (default true); else ln(n / df) + 1. */
  smoothIdf?: boolean;
  /** Use 1 + ln(tf) instead of tf (default false). */
  sublinearTf?: boolean;
}

export interface TfidfVectorizerOptions extends CountVectorizerOptions, TfidfOptions {}

/**
 * Reweights a count matrix: each count tf becomes tf (or 1 + ln tf) times idf of its column, then each row is
 * scaled to unit norm. n is the number of documents, df a term's number of documents.
 * @example
 * const t = new gs.text.TfidfTransformer({ smoothIdf: false });
 * const W = t.fitTransform(counts); t.idf; // Float64Array, one per column
 */
export class TfidfTransformer {
  readonly norm: "l2" | "l1" | null;
  readonly useIdf: boolean;
  readonly smoothIdf: boolean;
  readonly sublinearTf: boolean;
  private idfs: Float64Array | null = null;

  constructor(options: TfidfOptions = {}) {
    const norm = options.norm === undefined ? "l2" : options.norm;
    if (norm !== "l2" && norm !== "l1" && norm !== null)
      throw new Error(`TfidfTransformer: norm must be "l2", "l1" or null, got ${JSON.stringify(norm)}`);
    this.norm = norm;
    this.useIdf = options.useIdf ?? true;
    this.smoothIdf = options.smoothIdf ?? true;
    this.sublinearTf = options.sublinearTf ?? false;
  }

  /** Inverse document frequency per column, like `idf_` (only with useIdf). */
  get idf(): Float64Array {
    if (!this.useIdf) throw new Error("TfidfTransformer.idf: there is no idf when useIdf is false");
    if (this.idfs === null) throw new Error("TfidfTransformer.idf: not fitted yet; call fit() first");
    return this.idfs;
  }

  /** Learns idf from the count matrix `X` (df = stored entries per column). */
  fit(X: CsrMatrix): this {
    checkCsr(X, "TfidfTransformer.fit");
    if (!this.useIdf) return this;
    const [n, nCols] = X.shape;
    const df = new Float64Array(nCols);
    for (let k = 0; k < X.indptr[n]; k++) df[X.indices[k]]++;
    const s = this.smoothIdf ? 1 : 0;
    // Same operations as scikit-learn: df += s; n += s; idf = log(n / df) + 1.
    this.idfs = df.map((d) => Math.log((n + s) / (d + s)) + 1);
    return this;
  }

  /** The tf-idf matrix of the count matrix `X` (a new matrix; X is not changed). */
  transform(X: CsrMatrix): CsrMatrix {
    checkCsr(X, "TfidfTransformer.transform");
    const out: CsrMatrix = {
      shape: [X.shape[0], X.shape[1]],
      indptr: X.indptr.slice(),
      indices: X.indices.slice(),
      data: X.data.slice(),
    };
    if (this.sublinearTf) for (let k = 0; k < out.data.length; k++) out.data[k] = Math.log(out.data[k]) + 1;
    if (this.useIdf) {
      const idf = this.idf;
      if (idf.length !== X.shape[1])
        throw new Error(
          `TfidfTransformer.transform: X has ${X.shape[1]} columns, but idf was fitted on ${idf.length}`,
        );
      for (let k = 0; k < out.data.length; k++) out.data[k] *= idf[out.indices[k]];
    }
    if (this.norm !== null) normalizeRows(out, this.norm);
    return out;
  }

  fitTransform(X: CsrMatrix): CsrMatrix {
    return this.fit(X).transform(X);
  }
}

/**
 * Documents → tf-idf matrix: CountVectorizer followed by TfidfTransformer, with scikit-learn 1.2's options,
 * defaults and formulas (lowercase, token pattern `(?u)\b\w\w+\b`, ngramRange [1, 1], minDf 1, maxDf 1.0,
 * norm "l2", useIdf, smoothIdf, no sublinearTf). The output is sparse CSR with sorted column indices per row.
 * @example
 * const v = new gs.text.TfidfVectorizer({ ngramRange: [1, 2], minDf: 2 });
 * const X = v.fitTransform(docs); // { shape: [docs.length, nTerms], indptr, indices, data }
 * v.getFeatureNamesOut(); v.idf; v.transform(["a new document"]);
 */
export class TfidfVectorizer extends CountVectorizer {
  private readonly tfidf: TfidfTransformer;

  constructor(options: TfidfVectorizerOptions = {}) {
    super(options);
    this.tfidf = new TfidfTransformer(options);
  }

  /** Inverse document frequency per column, like `idf_`. */
  get idf(): Float64Array {
    return this.tfidf.idf;
  }

  override fitTransform(docs: string[]): CsrMatrix {
    return this.tfidf.fitTransform(super.fitTransform(docs));
  }

  override transform(docs: string[]): CsrMatrix {
    return this.tfidf.transform(super.transform(docs));
  }
}

function checkCsr(X: CsrMatrix, where: string): void {
  const ok =
    X !== null &&
    typeof X === "object" &&
    Array.isArray(X.shape) &&
    X.indptr instanceof Int32Array &&
    X.indices instanceof Int32Array &&
    X.data instanceof Float64Array &&
    X.indptr.length === X.shape[0] + 1 &&
    X.indices.length === X.data.length &&
    X.indptr[X.shape[0]] === X.data.length;
  if (!ok)
    throw new Error(
      `${where}: X must be a CSR matrix { shape, indptr: Int32Array, indices: Int32Array, data: Float64Array }`,
    );
}
