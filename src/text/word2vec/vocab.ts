/** word2vec's vocabulary and sampling tables: counts, minCount, subsampling thresholds, unigram^0.75 sampler. */

/** Words sorted by decreasing count (ties: first seen first) with their counts. */
export interface W2VVocab {
  words: string[];
  counts: Float64Array;
  index: Map<string, number>;
  /** Tokens in the corpus, including words below minCount. */
  rawTokens: number;
}

/** Counts the tokens of `sentences` and keeps the words seen at least `minCount` times, most frequent first. */
export function buildVocab(sentences: string[][], minCount: number): W2VVocab {
  const raw = new Map<string, number>();
  let rawTokens = 0;
  for (const s of sentences) {
    rawTokens += s.length;
    for (const w of s) raw.set(w, (raw.get(w) ?? 0) + 1);
  }
  const kept = [...raw].filter(([, c]) => c >= minCount);
  kept.sort((a, b) => b[1] - a[1]); // stable: ties stay in order of first appearance
  const words = kept.map(([w]) => w);
  return {
    words,
    counts: Float64Array.from(kept, ([, c]) => c),
    index: new Map(words.map((w, i) => [w, i])),
    rawTokens,
  };
}

/**
 * gensim's subsampling: with t = sample · (total count), a word of count c is kept with probability
 * (√(c/t) + 1) · t/c (at most 1), stored as that probability times 2^32 − 1. `sample` 0 keeps every word.
 */
export function keepThresholds(counts: Float64Array, sample: number): Uint32Array {
  let total = 0;
  for (const c of counts) total += c;
  const t = sample > 0 ? sample * total : total;
  return Uint32Array.from(counts, (c) => {
    const p = sample > 0 ? (Math.sqrt(c / t) + 1) * (t / c) : 1;
    return Math.floor(Math.min(1, p) * 0xffffffff);
  });
}

/**
 * Walker's alias table for sampling word w with probability ∝ count_w^exponent in O(1): draw x uniform in
 * [0, V); bucket ⌊x⌋ yields itself when frac(x) < prob[bucket], else alias[bucket].
 */
export function aliasTable(
  counts: Float64Array,
  exponent: number,
): { prob: Float64Array; alias: Int32Array } {
  const n = counts.length;
  const scaled = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += scaled[i] = Math.pow(counts[i], exponent);
  for (let i = 0; i < n; i++) scaled[i] = (scaled[i] * n) / sum;
  const prob = new Float64Array(n).fill(1);
  const alias = Int32Array.from({ length: n }, (_, i) => i);
  const small: number[] = [];
  const large: number[] = [];
  for (let i = 0; i < n; i++) (scaled[i] < 1 ? small : large).push(i);
  while (small.length > 0 && large.length > 0) {
    const s = small.pop()!;
    const l = large.pop()!;
    prob[s] = scaled[s];
    alias[s] = l;
    scaled[l] += scaled[s] - 1;
    (scaled[l] < 1 ? small : large).push(l);
  }
  return { prob, alias };
}

/** Sentences as one array of word ids (words outside the vocabulary dropped) with sentence offsets. */
export function encodeCorpus(
  sentences: string[][],
  index: Map<string, number>,
): { corpus: Int32Array; offsets: Int32Array; rawLengths: Float64Array; longest: number } {
  let size = 0;
  for (const s of sentences) for (const w of s) if (index.has(w)) size++;
  const corpus = new Int32Array(size);
  const offsets = new Int32Array(sentences.length + 1);
  const rawLengths = new Float64Array(sentences.length);
  let p = 0;
  let longest = 0;
  sentences.forEach((s, i) => {
    for (const w of s) {
      const id = index.get(w);
      if (id !== undefined) corpus[p++] = id;
    }
    offsets[i + 1] = p;
    rawLengths[i] = s.length;
    longest = Math.max(longest, p - offsets[i]);
  });
  return { corpus, offsets, rawLengths, longest };
}
