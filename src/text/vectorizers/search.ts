/** Ranking documents against a query: cosine similarity over tf-idf vectors. */
import { csrRow, type CsrMatrix, type SparseVector } from "./sparse.js";
import { TfidfVectorizer, type TfidfVectorizerOptions } from "./tfidf.js";

/** A ranked document: its row in the corpus and its score. */
export interface SearchHit {
  index: number;
  score: number;
}

/**
 * The cosine similarity of `query` with every row of `X` (0 where either has no nonzero). `query` is a sparse
 * vector, a one-row CSR matrix, or a dense vector of X's width.
 * @example
 * const sims = gs.text.cosineSimilarity(v.transform(["cat"]), X); // Float64Array, one per document
 */
export function cosineSimilarity(
  query: CsrMatrix | SparseVector | ArrayLike<number>,
  X: CsrMatrix,
): Float64Array {
  const where = "cosineSimilarity";
  const nCols = X.shape[1];
  const dense = new Float64Array(nCols);
  if ("shape" in query && "indptr" in query) {
    if (query.shape[0] !== 1 || query.shape[1] !== nCols)
      throw new Error(`${where}: the query matrix has shape [${query.shape}], expected [1, ${nCols}]`);
    addSparse(dense, csrRow(query, 0), where);
  } else if ("indices" in query && "data" in query) addSparse(dense, query, where);
  else {
    if (query.length !== nCols)
      throw new Error(`${where}: the query has length ${query.length}, expected ${nCols}`);
    for (let j = 0; j < nCols; j++) dense[j] = query[j];
  }
  let qq = 0;
  for (let j = 0; j < nCols; j++) qq += dense[j] * dense[j];
  const out = new Float64Array(X.shape[0]);
  if (qq === 0) return out;
  const qNorm = Math.sqrt(qq);
  for (let i = 0; i < X.shape[0]; i++) {
    let dot = 0;
    let xx = 0;
    for (let k = X.indptr[i]; k < X.indptr[i + 1]; k++) {
      dot += X.data[k] * dense[X.indices[k]];
      xx += X.data[k] * X.data[k];
    }
    out[i] = xx === 0 ? 0 : dot / (qNorm * Math.sqrt(xx));
  }
  return out;
}

function addSparse(dense: Float64Array, v: SparseVector, where: string): void {
  for (let k = 0; k < v.indices.length; k++) {
    const j = v.indices[k];
    if (!(j >= 0 && j < dense.length))
      throw new Error(`${where}: query column ${j} is outside [0, ${dense.length})`);
    dense[j] += v.data[k];
  }
}

/**
 * The `topK` best scores, highest first; ties go to the lower index. Every document can be returned, including
 * ones that score 0.
 */
export function topK(scores: ArrayLike<number>, k: number): SearchHit[] {
  if (!Number.isInteger(k) || k < 0) throw new Error(`topK: k must be a non-negative integer, got ${k}`);
  const order = Array.from({ length: scores.length }, (_, i) => i);
  order.sort((a, b) => scores[b] - scores[a] || a - b);
  return order.slice(0, k).map((index) => ({ index, score: scores[index] }));
}

/**
 * The `topK` rows of the tf-idf matrix `X` most similar (cosine) to `query`, transformed by the vectorizer
 * that produced X.
 * @example
 * const X = v.fitTransform(docs);
 * gs.text.searchTfidf(v, X, "where is the cat", 3); // [{ index, score }, ...]
 */
export function searchTfidf(vectorizer: TfidfVectorizer, X: CsrMatrix, query: string, k = 10): SearchHit[] {
  return topK(cosineSimilarity(vectorizer.transform([query]), X), k);
}

/**
 * A tf-idf search index over a fixed corpus.
 * @example
 * const index = new gs.text.TfidfIndex(docs, { sublinearTf: true });
 * index.search("cat on a mat", 5); // [{ index: 3, score: 0.71 }, ...]
 */
export class TfidfIndex {
  readonly vectorizer: TfidfVectorizer;
  /** The corpus's tf-idf matrix. */
  readonly matrix: CsrMatrix;

  constructor(docs: string[], options: TfidfVectorizerOptions = {}) {
    this.vectorizer = new TfidfVectorizer(options);
    this.matrix = this.vectorizer.fitTransform(docs);
  }

  /** The `k` documents most similar to `query`, best first. */
  search(query: string, k = 10): SearchHit[] {
    return searchTfidf(this.vectorizer, this.matrix, query, k);
  }
}
