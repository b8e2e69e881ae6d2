/**
 * `gradstack topics --data FILE.txt --num_topics 10 --passes 5`: an LDA topic model of a text file with one
 * document per line (tokenized by gensim's simple_preprocess), printing each topic's top words, u_mass
 * coherence and the perplexity estimate (also of `--heldout FILE` when given).
 */
import { COUNT, NON_NEGATIVE_INT } from "../option-rules.js";
import { defineCommand } from "../command.js";
import { formatConfig } from "../config.js";
import { readText } from "../../io/files.js";
import { Dictionary, simplePreprocess } from "../../text/lda/corpus.js";
import { LDA } from "../../text/lda/lda.js";

export const TOPICS_DEFAULTS = {
  data: "",
  heldout: "",
  stopwords: "",
  num_topics: 10,
  passes: 5,
  chunk_size: 2000,
  iterations: 50,
  alpha: "symmetric",
  eta: "symmetric",
  no_below: 5,
  no_above: 0.5,
  keep_n: 100000,
  top_words: 10,
  seed: 1,
};

/** One tokenized document per non-blank line of `file`. */
export function readDocuments(file: string, where: string): string[][] {
  if (!file) throw new Error(`${where}: --data FILE is required (a text file, one document per line)`);
  const lines = readText(file)
    .split(/\r?\n/)
    .filter((l) => l.trim() !== "");
  if (lines.length === 0) throw new Error(`${where}: ${file} holds no document (every line is blank)`);
  return lines.map((l) => simplePreprocess(l));
}

function prior(text: string, name: string): number | "symmetric" | "asymmetric" | "auto" {
  if (text === "symmetric" || text === "asymmetric" || text === "auto") return text;
  const v = Number(text);
  if (text.trim() === "" || !(v > 0))
    throw new Error(
      `topics: --${name} must be symmetric, asymmetric, auto or a positive number, got "${text}"`,
    );
  return v;
}

export const command = defineCommand({
  name: "topics",
  summary: "LDA topics of a text file, one document per line: gradstack topics --data FILE --num_topics 10",
  defaults: TOPICS_DEFAULTS,
  help: {
    data: "the text file, one document per line (required)",
    heldout: "a file of held-out documents whose perplexity to estimate too",
    stopwords: "a file of words to leave out (separated by whitespace or commas)",
    num_topics: "topics to learn",
    passes: "passes over the documents (gensim's passes)",
    chunk_size: "documents per online update (gensim's chunksize)",
    iterations: "E-step iterations per document",
    alpha: 'document-topic prior: "symmetric", "asymmetric", "auto" or a number',
    eta: 'topic-word prior: "symmetric" or a number',
    no_below: "drop words in fewer than this many documents",
    no_above: "drop words in more than this fraction of the documents",
    keep_n: "then keep at most this many of the most frequent words",
    top_words: "words shown per topic",
    seed: "random seed",
  },
  rules: {
    num_topics: COUNT,
    passes: COUNT,
    chunk_size: COUNT,
    iterations: COUNT,
    no_below: NON_NEGATIVE_INT,
    no_above: { above: 0, max: 1 },
    keep_n: COUNT,
    top_words: COUNT,
    seed: { int: true },
  },
  run: topics,
});

function topics(c: typeof TOPICS_DEFAULTS): void {
  const stop = new Set(
    c.stopwords
      ? readText(c.stopwords)
          .toLowerCase()
          .split(/[\s,]+/)
      : [],
  );
  const docs = readDocuments(c.data, "topics").map((d) => d.filter((t) => !stop.has(t)));
  console.log(formatConfig(c));
  const dict = Dictionary.fromDocuments(docs).filterExtremes({
    noBelow: c.no_below,
    noAbove: c.no_above,
    keepN: c.keep_n,
  });
  console.log(`${docs.length} documents, ${dict.size} terms after filtering`);
  if (dict.size === 0)
    throw new Error(
      `topics: no term is left after filtering (no_below=${c.no_below}, no_above=${c.no_above}); lower --no_below or raise --no_above`,
    );
  const eta = prior(c.eta, "eta");
  if (eta === "asymmetric" || eta === "auto")
    throw new Error(`topics: --eta must be symmetric or a positive number`);
  const t0 = performance.now();
  const lda = new LDA({
    numTopics: c.num_topics,
    passes: c.passes,
    chunkSize: c.chunk_size,
    iterations: c.iterations,
    alpha: prior(c.alpha, "alpha"),
    eta,
    seed: c.seed,
    dictionary: dict,
  }).fit(docs);
  console.log(`trained in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  const coherence = lda.coherence();
  for (let k = 0; k < lda.numTopics; k++) {
    const words = lda.topWords(k, c.top_words).map((w) => w.word);
    console.log(
      `topic ${String(k).padStart(2)} (u_mass ${coherence.perTopic[k].toFixed(2)}): ${words.join(" ")}`,
    );
  }
  console.log(`\nmean u_mass coherence ${coherence.mean.toFixed(3)}`);
  console.log(`perplexity estimate (training documents) ${lda.perplexity(docs).toFixed(1)}`);
  if (c.heldout) {
    const held = readDocuments(c.heldout, "topics --heldout").map((d) => d.filter((t) => !stop.has(t)));
    console.log(`perplexity estimate (${held.length} held-out documents) ${lda.perplexity(held).toFixed(1)}`);
  }
}
