/**
 * gs.text: tokenizers (character, word, byte-level BPE and GPT-2's), tf-idf and BM25 search, LDA and word2vec,
 * with the names of scikit-learn, gensim and Hugging Face tokenizers in camelCase. GPT-2's shipped ranks and
 * word2vec need Node; portable.ts is the part that also runs in browsers.
 * @example
 * const tok = gs.text.gpt2Tokenizer();
 * tok.encode("Hello world"); // [15496, 995]
 * const v = new gs.text.TfidfVectorizer();
 * const X = v.fitTransform(["the cat sat", "the dog barked"]);
 */
export * from "./portable.js";
export { gpt2Tokenizer, GPT2_EOT } from "./tokenizers/gpt2.js";
export { Word2Vec, type Word2VecOptions, type Word2VecTrainStats } from "./word2vec/word2vec.js";
export { KeyedVectors, type SimilarWord, type SimilarityQuery } from "./word2vec/vectors.js";
export {
  evaluateWordAnalogies,
  evaluateWordPairs,
  pearson,
  spearman,
  type AnalogyOptions,
  type AnalogyResult,
  type AnalogySection,
  type PairsOptions,
  type PairsResult,
} from "./word2vec/eval-words.js";
export {
  evaluateRun,
  ndcgAt,
  recallAt,
  mrrAt,
  trecOrder,
  type QrelsLike,
  type RankedHit,
  type Run,
  type RetrievalScores,
  type MetricCutoffs,
} from "./retrieval/metrics.js";
export { DenseIndex } from "./retrieval/index.js";
export { HnswIndex, type HnswOptions } from "./retrieval/hnsw.js";
export { reciprocalRankFusion, mixScores, chooseMixWeight, MIX_WEIGHT_GRID } from "./retrieval/hybrid.js";
