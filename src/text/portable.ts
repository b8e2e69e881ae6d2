/**
 * The part of gs.text that runs anywhere (Node, browsers, workers): tokenizers (their save/load need Node;
 * toJSON/fromJSON work everywhere), vectorizers and search, LDA. index.ts adds GPT-2's shipped tokenizer
 * and word2vec (Node).
 */
export { CharTokenizer } from "./tokenizers/char-tokenizer.js";
export { Vocab, type VocabOptions, type SpecialTokens } from "./tokenizers/vocab.js";
export { WordTokenizer, WORD_PATTERN, type WordTokenizerOptions } from "./tokenizers/word-tokenizer.js";
export {
  BPETokenizer,
  GPT2_PATTERN,
  GPT4_PATTERN,
  type BPETrainOptions,
  type EncodeOptions,
} from "./tokenizers/bpe.js";
export { pythonRegex } from "./vectorizers/python-regex.js";
export { SKLEARN_TOKEN_PATTERN, type AnalyzerOptions } from "./vectorizers/analyzer.js";
export { csrRow, csrToDense, type CsrMatrix, type SparseVector } from "./vectorizers/sparse.js";
export {
  CountVectorizer,
  type CountVectorizerOptions,
  type DfBound,
} from "./vectorizers/count-vectorizer.js";
export {
  TfidfTransformer,
  TfidfVectorizer,
  type TfidfOptions,
  type TfidfVectorizerOptions,
} from "./vectorizers/tfidf.js";
export { cosineSimilarity, searchTfidf, topK, TfidfIndex, type SearchHit } from "./vectorizers/search.js";
export { BM25, type BM25Options } from "./vectorizers/bm25.js";
export { Dictionary, simplePreprocess, type Bow } from "./lda/corpus.js";
export { LDA, type LDAOptions, type TopicWord } from "./lda/lda.js";
export { type Coherence } from "./lda/coherence.js";
export { digamma, lgamma, trigamma, sampleGamma } from "./lda/math.js";
