/**
 * `gradstack word2vec train|similar|analogy|evaluate`:
 *   train     --data FILE --out vectors.txt [--sg 1 --epochs 5 ...]   one sentence per line
 *   similar   --vectors vectors.txt WORD [WORD ...]                    nearest neighbours (of the words' sum)
 *   analogy   --vectors vectors.txt A B C                              words closest to A − B + C
 *   evaluate  --vectors vectors.txt [--analogies FILE] [--pairs FILE]  questions-words accuracy, WordSim ρ
 */
import * as path from "node:path";
import { defineCommand, defineGroup } from "../command.js";
import { COUNT, NON_NEGATIVE, NON_NEGATIVE_INT } from "../option-rules.js";
import { formatConfig } from "../config.js";
import { datasetDir, readText } from "../../io/files.js";
import { simplePreprocess } from "../../text/lda/corpus.js";
import { Word2Vec } from "../../text/word2vec/word2vec.js";
import { KeyedVectors, type SimilarWord } from "../../text/word2vec/vectors.js";

const train = defineCommand({
  name: "word2vec train",
  summary: "train word vectors on a text file, one sentence per line (gensim's Word2Vec)",
  defaults: {
    data: "",
    out: "vectors.txt",
    tokenize: "simple",
    vector_size: 100,
    window: 5,
    min_count: 5,
    sg: 0,
    negative: 5,
    sample: 1e-3,
    alpha: 0.025,
    min_alpha: 0.0001,
    epochs: 5,
    workers: 1,
    seed: 1,
  },
  help: {
    data: "the text file, one sentence per line (required)",
    out: "where to write the vectors (word2vec text format)",
    tokenize:
      '"simple" (gensim\'s simple_preprocess: lowercase letters only) or "whitespace" (split on spaces, as is)',
    vector_size: "dimensions of a word vector",
    window: "largest distance between a word and a context word",
    min_count: "ignore words seen fewer times",
    sg: "0: CBOW, 1: skip-gram",
    negative: "negative samples per positive one",
    sample: "downsampling threshold of frequent words (0: none)",
    alpha: "initial learning rate",
    min_alpha: "learning rate at the end (it falls linearly)",
    epochs: "passes over the sentences",
    workers: "threads (more than 1: the result depends on their timing, as gensim's)",
    seed: "random seed",
  },
  rules: {
    tokenize: { oneOf: ["simple", "whitespace"] },
    vector_size: COUNT,
    window: COUNT,
    min_count: NON_NEGATIVE_INT,
    sg: { int: true, min: 0, max: 1 },
    negative: NON_NEGATIVE_INT,
    sample: NON_NEGATIVE,
    alpha: { above: 0 },
    min_alpha: NON_NEGATIVE,
    epochs: COUNT,
    workers: COUNT,
    seed: { int: true },
  },
  run(c) {
    if (!c.data)
      throw new Error("word2vec train: --data FILE is required (a text file, one sentence per line)");
    const tokenize = (l: string) =>
      c.tokenize === "simple" ? simplePreprocess(l) : l.split(/\s+/).filter(Boolean);
    const sentences = readText(c.data)
      .split(/\r?\n/)
      .map(tokenize)
      .filter((s) => s.length > 0);
    if (sentences.length === 0) throw new Error(`word2vec train: ${c.data} holds no words`);
    console.log(formatConfig(c));
    const w2v = new Word2Vec({
      vectorSize: c.vector_size,
      window: c.window,
      minCount: c.min_count,
      sg: c.sg as 0 | 1,
      negative: c.negative,
      sample: c.sample,
      alpha: c.alpha,
      minAlpha: c.min_alpha,
      epochs: c.epochs,
      workers: c.workers,
      seed: c.seed,
    });
    const stats = w2v.train(sentences);
    console.log(
      `${sentences.length} sentences, ${stats.rawWords / stats.epochs} words, vocabulary ${w2v.wv.size} · ` +
        `${stats.epochs} epochs in ${stats.seconds.toFixed(1)} s · ${Math.round(stats.wordsPerSecond)} words/s on ${stats.workers} thread(s)`,
    );
    w2v.save(c.out);
    console.log(`saved ${w2v.wv.size} vectors of size ${c.vector_size} to ${c.out}`);
  },
});

const VECTORS_HELP = "the vectors file (word2vec text format, as word2vec train writes it)";

const similar = defineCommand({
  name: "word2vec similar",
  summary: "the nearest neighbours of a word (or of the words' sum)",
  defaults: { vectors: "vectors.txt", topn: 10 },
  help: { vectors: VECTORS_HELP, topn: "neighbours to show" },
  rules: { topn: COUNT },
  args: { usage: "WORD [WORD ...]", help: "the words whose (summed) vector to search from" },
  run(c, { args }) {
    if (args.length === 0)
      throw new Error(
        "word2vec similar: give one or more words, e.g. gradstack word2vec similar --vectors v.txt king",
      );
    print(load(c.vectors, "word2vec similar").mostSimilar(args, c.topn));
  },
});

const analogy = defineCommand({
  name: "word2vec analogy",
  summary: "the words closest to A - B + C (king man woman: queen)",
  defaults: { vectors: "vectors.txt", topn: 5 },
  help: { vectors: VECTORS_HELP, topn: "words to show" },
  rules: { topn: COUNT },
  args: { usage: "A B C", help: "three words, for A - B + C" },
  run(c, { args }) {
    if (args.length !== 3)
      throw new Error(
        `word2vec analogy: give three words A B C (for A - B + C), got ${args.length}: ${args.join(" ")}`,
      );
    const [a, b, cc] = args;
    print(load(c.vectors, "word2vec analogy").mostSimilar({ positive: [a, cc], negative: [b] }, c.topn));
  },
});

const evaluate = defineCommand({
  name: "word2vec evaluate",
  summary: "analogy accuracy (questions-words) and word-pair correlation (WordSim) of word vectors",
  defaults: { vectors: "vectors.txt", analogies: "", pairs: "", restrict_vocab: 300000 },
  help: {
    vectors: VECTORS_HELP,
    analogies: 'a questions-words file ("": the shipped one; "none": skip)',
    pairs: "a file of word pairs with human similarity scores, tab-separated (WordSim-353)",
    restrict_vocab: "consider only this many of the most frequent words",
  },
  run(c) {
    const kv = load(c.vectors, "word2vec evaluate");
    // The shipped questions-words.txt unless --analogies names another file ("none": skip).
    const analogies = c.analogies || path.join(datasetDir("word-analogy"), "questions-words.txt");
    if (analogies !== "none") {
      const r = kv.evaluateWordAnalogies(analogies, { restrictVocab: c.restrict_vocab });
      for (const s of r.sections)
        console.log(
          `${s.section.padEnd(28)} ${(100 * s.accuracy).toFixed(1).padStart(5)}%  (${s.correct}/${s.correct + s.incorrect})`,
        );
      console.log(
        `analogy accuracy ${(100 * r.accuracy).toFixed(2)}% (${r.correct}/${r.correct + r.incorrect}); ` +
          `${r.oov} of ${r.questions} questions skipped for unknown words`,
      );
    }
    if (c.pairs) {
      const p = kv.evaluateWordPairs(c.pairs, { restrictVocab: c.restrict_vocab });
      console.log(
        `word pairs: Spearman ${p.spearman.toFixed(4)}, Pearson ${p.pearson.toFixed(4)} over ${p.pairs} pairs; ` +
          `${p.oov} skipped for unknown words (${p.oovRatio.toFixed(1)}%)`,
      );
    }
  },
});

export const command = defineGroup({
  name: "word2vec",
  summary: "word vectors: gradstack word2vec train|similar|analogy|evaluate",
  member: "subcommand",
  commands: { train, similar, analogy, evaluate },
});

function load(file: string, where: string): KeyedVectors {
  if (!file) throw new Error(`${where}: --vectors FILE is required`);
  return KeyedVectors.load(file);
}

function print(hits: SimilarWord[]): void {
  for (const h of hits) console.log(`${h.word.padEnd(20)} ${h.similarity.toFixed(4)}`);
}
