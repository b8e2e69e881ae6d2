/**
 * `gradstack word2vec train|similar|analogy|evaluate`:
 *   train     --data FILE --out vectors.txt [--sg 1 --epochs 5 ...]   one sentence per line
 *   similar   --vectors vectors.txt WORD [WORD ...]                    nearest neighbours (of the words' sum)
 *   analogy   --vectors vectors.txt A B C                              words closest to A − B + C
 *   evaluate  --vectors vectors.txt [--analogies FILE] [--pairs FILE]  questions-words accuracy, WordSim ρ
 */
import * as path from "node:path";
import { formatConfig, resolveConfig } from "../config.js";
import { datasetDir, readText } from "../../io/files.js";
import { simplePreprocess } from "../../text/lda/corpus.js";
import { Word2Vec } from "../../text/word2vec/word2vec.js";
import { KeyedVectors, type SimilarWord } from "../../text/word2vec/vectors.js";

export const TRAIN_DEFAULTS = {
  data: "",
  out: "vectors.txt",
  /** "simple" (gensim's simple_preprocess: lowercase letters only) or "whitespace" (split on spaces, as is). */
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
};

const QUERY_DEFAULTS = { vectors: "vectors.txt", topn: 10 };

const EVALUATE_DEFAULTS = { vectors: "vectors.txt", analogies: "", pairs: "", restrict_vocab: 300000 };

const USAGE = `usage: gradstack word2vec <train|similar|analogy|evaluate> [options]
  train     --data FILE --out vectors.txt [--sg 1 --vector_size 100 --window 5 --min_count 5 --epochs 5 --workers 2]
  similar   --vectors vectors.txt WORD [WORD ...]
  analogy   --vectors vectors.txt A B C      (the words closest to A - B + C: king man woman -> queen)
  evaluate  --vectors vectors.txt [--analogies FILE|none] [--pairs FILE]   (default: the shipped questions-words.txt)`;

export function run(argv: string[]): void {
  const [sub, ...rest] = argv;
  if (sub === "help" || sub === "--help" || sub === "-h") {
    console.log(USAGE);
    return;
  }
  if (sub === "train") train(rest);
  else if (sub === "similar") similar(rest);
  else if (sub === "analogy") analogy(rest);
  else if (sub === "evaluate") evaluate(rest);
  else
    throw new Error(
      `${sub ? `word2vec: unknown subcommand "${sub}"` : "word2vec: which subcommand?"}\n${USAGE}`,
    );
}

function train(argv: string[]): void {
  const { config: c, rest } = resolveConfig(TRAIN_DEFAULTS, argv);
  if (rest.length > 0)
    throw new Error(`word2vec train: unexpected argument "${rest[0]}" (options are --key=value)`);
  if (!c.data)
    throw new Error("word2vec train: --data FILE is required (a text file, one sentence per line)");
  if (c.tokenize !== "simple" && c.tokenize !== "whitespace")
    throw new Error(`word2vec train: --tokenize must be simple or whitespace, got "${c.tokenize}"`);
  const tokenize = (l: string) =>
    c.tokenize === "simple" ? simplePreprocess(l) : l.split(/\s+/).filter(Boolean);
  const sentences = readText(c.data)
    .split(/\r?\n/)
    .map(tokenize)
    .filter((s) => s.length > 0);
  if (sentences.length === 0) throw new Error(`word2vec train: ${c.data} holds no words`);
  if (c.sg !== 0 && c.sg !== 1)
    throw new Error(`word2vec train: --sg must be 0 (CBOW) or 1 (skip-gram), got ${c.sg}`);
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
}

function load(file: string, where: string): KeyedVectors {
  if (!file) throw new Error(`${where}: --vectors FILE is required`);
  return KeyedVectors.load(file);
}

function print(hits: SimilarWord[]): void {
  for (const h of hits) console.log(`${h.word.padEnd(20)} ${h.similarity.toFixed(4)}`);
}

function similar(argv: string[]): void {
  const { config: c, rest } = resolveConfig(QUERY_DEFAULTS, argv);
  if (rest.length === 0)
    throw new Error(
      "word2vec similar: give one or more words, e.g. gradstack word2vec similar --vectors v.txt king",
    );
  print(load(c.vectors, "word2vec similar").mostSimilar(rest, c.topn));
}

function analogy(argv: string[]): void {
  const { config: c, rest } = resolveConfig({ ...QUERY_DEFAULTS, topn: 5 }, argv);
  if (rest.length !== 3)
    throw new Error(
      `word2vec analogy: give three words A B C (for A - B + C), got ${rest.length}: ${rest.join(" ")}`,
    );
  const [a, b, cc] = rest;
  print(load(c.vectors, "word2vec analogy").mostSimilar({ positive: [a, cc], negative: [b] }, c.topn));
}

function evaluate(argv: string[]): void {
  const { config: c, rest } = resolveConfig(EVALUATE_DEFAULTS, argv);
  if (rest.length > 0) throw new Error(`word2vec evaluate: unexpected argument "${rest[0]}"`);
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
}
