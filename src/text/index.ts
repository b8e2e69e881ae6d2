/**
 * gs.text: tokenizers (character, word, byte-level BPE and GPT-2's), tf-idf and BM25 search, with the names
 * of scikit-learn, gensim and Hugging Face tokenizers in camelCase.
 * @example
 * const tok = gs.text.gpt2Tokenizer();
 * tok.encode("Hello world"); // [15496, 995]
 * const v = new gs.text.TfidfVectorizer();
 * const X = v.fitTransform(["the cat sat", "the dog barked"]);
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
export { gpt2Tokenizer, GPT2_EOT } from "./tokenizers/gpt2.js";
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
