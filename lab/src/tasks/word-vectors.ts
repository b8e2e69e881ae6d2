/**
 * Questions to unit-length word vectors, answered on the page (no gradstack here): nearest neighbours by
 * cosine similarity, analogies by 3CosAdd (b − a + c, as gensim's most_similar), and a 2-D PCA projection.
 */
export interface WordVectors {
  words: string[];
  /** (words, dim) row-major, unit rows. */
  vectors: Float32Array;
  dim: number;
}

export interface Neighbour {
  word: string;
  similarity: number;
}

const row = (wv: WordVectors, i: number) => wv.vectors.subarray(i * wv.dim, (i + 1) * wv.dim);

/** The `n` words most similar to `query` (a vector), leaving out `exclude`. */
function nearest(wv: WordVectors, query: Float32Array, n: number, exclude: Set<number>): Neighbour[] {
  const norm = Math.hypot(...query) || 1;
  const scored: Neighbour[] = [];
  for (let i = 0; i < wv.words.length; i++) {
    if (exclude.has(i)) continue;
    const v = row(wv, i);
    let dot = 0;
    for (let k = 0; k < wv.dim; k++) dot += v[k] * query[k];
    scored.push({ word: wv.words[i], similarity: dot / norm });
  }
  return scored.sort((a, b) => b.similarity - a.similarity).slice(0, n);
}

/** Words not in the vocabulary, or null when all are known. */
function unknown(wv: WordVectors, words: string[]): string | null {
  const missing = words.filter((w) => !wv.words.includes(w));
  return missing.length ? `not in the vocabulary: ${missing.join(", ")}` : null;
}

export function neighbours(wv: WordVectors, word: string, n = 8): Neighbour[] | string {
  const i = wv.words.indexOf(word);
  if (i < 0) return unknown(wv, [word])!;
  return nearest(wv, row(wv, i), n, new Set([i]));
}

/** a is to b as c is to ?: the words nearest b − a + c. */
export function analogy(wv: WordVectors, a: string, b: string, c: string, n = 5): Neighbour[] | string {
  const missing = unknown(wv, [a, b, c]);
  if (missing) return missing;
  const [ia, ib, ic] = [a, b, c].map((w) => wv.words.indexOf(w));
  const query = new Float32Array(wv.dim);
  for (let k = 0; k < wv.dim; k++) query[k] = row(wv, ib)[k] - row(wv, ia)[k] + row(wv, ic)[k];
  return nearest(wv, query, n, new Set([ia, ib, ic]));
}

/** The first principal direction of the (centred) rows of `x` (n, d) orthogonal to `against`, by power iteration. */
function principal(x: Float64Array[], d: number, against: Float64Array | null): Float64Array {
  let v = Float64Array.from({ length: d }, (_, k) => Math.cos(k + 1)); // fixed start: a steady picture
  for (let iteration = 0; iteration < 100; iteration++) {
    const next = new Float64Array(d);
    for (const r of x) {
      let dot = 0;
      for (let k = 0; k < d; k++) dot += r[k] * v[k];
      for (let k = 0; k < d; k++) next[k] += dot * r[k];
    }
    if (against) {
      let dot = 0;
      for (let k = 0; k < d; k++) dot += next[k] * against[k];
      for (let k = 0; k < d; k++) next[k] -= dot * against[k];
    }
    const norm = Math.hypot(...next) || 1;
    v = next.map((e) => e / norm);
  }
  return v;
}

/** The words' vectors projected on their first two principal components: [x, y] per word. */
export function pca2d(wv: WordVectors, words: string[]): [number, number][] {
  const rows = words.map((w) => Float64Array.from(row(wv, wv.words.indexOf(w))));
  const mean = new Float64Array(wv.dim);
  for (const r of rows) for (let k = 0; k < wv.dim; k++) mean[k] += r[k] / rows.length;
  for (const r of rows) for (let k = 0; k < wv.dim; k++) r[k] -= mean[k];
  const first = principal(rows, wv.dim, null);
  const second = principal(rows, wv.dim, first);
  const dot = (r: Float64Array, v: Float64Array) => r.reduce((s, e, k) => s + e * v[k], 0);
  return rows.map((r) => [dot(r, first), dot(r, second)]);
}
