/**
 * Word vectors and topics of the Time Machine: skip-gram word2vec (skip-gram.ts) trained with Adam, and an
 * LDA topic model (gs.text.LDA, online variational Bayes) that takes one more chunk of paragraphs every few
 * steps. The view carries the normalised word vectors (the page projects them and answers neighbour and
 * analogy queries), the topics' top words and every paragraph's topic mixture.
 *
 * This page trains on the CPU even where WebGPU is on: half of its step is LDA, host code on arrays, and
 * word2vec's step gathers a few hundred rows of two small tables (vocabulary × dim), too little work to
 * outweigh the GPU's per-dispatch cost; the view reads the whole table back at every redraw as well.
 */
import * as gs from "gradstack";
import type { Task } from "./task";
import type { EmbeddingsSettings } from "./embeddings-settings";
import { SkipGram, skipGramBatches, subsampledStream } from "./skip-gram";

export interface EmbeddingsView {
  /** The vocabulary, most frequent first. */
  words: string[];
  /** (words, dim) row-major, each row of unit length. */
  vectors: Float32Array;
  dim: number;
  /** The top words of each topic. */
  topics: string[][];
  /** (paragraphs, topics) row-major: each paragraph's topic mixture. */
  mixtures: Float32Array;
  /** The corpus's paragraphs, the documents of LDA and of the search box. */
  paragraphs: string[];
}

/** Paragraphs of at least this many words are documents. */
const MIN_PARAGRAPH_WORDS = 20;
/** LDA takes a chunk of this many paragraphs every LDA_EVERY steps. */
const LDA_CHUNK = 32;
const LDA_EVERY = 10;
const TOP_WORDS = 8;

export function paragraphsOf(text: string): string[] {
  return text
    .split(/\n\s*\n/)
    .map((p) => p.replace(/\s+/g, " ").trim())
    .filter((p) => p.split(" ").length >= MIN_PARAGRAPH_WORDS);
}

export function embeddingsTask(s: EmbeddingsSettings, text: string): Task<EmbeddingsView> {
  gs.manualSeed(s.seed);
  const paragraphs = paragraphsOf(text);
  const docs = paragraphs.map((p) => gs.text.simplePreprocess(p));

  // word2vec: the vocabulary (minCount), the subsampled stream, the model.
  const tally = new Map<string, number>();
  for (const doc of docs) for (const w of doc) tally.set(w, (tally.get(w) ?? 0) + 1);
  const kept = [...tally].filter(([, c]) => c >= s.minCount).sort((a, b) => b[1] - a[1]);
  const words = kept.map(([w]) => w);
  const counts = kept.map(([, c]) => c);
  const index = new Map(words.map((w, i) => [w, i]));
  const model = new SkipGram(words.length, s.dim);
  const optimizer = new gs.optim.Adam(model.parameters(), { lr: s.lr });
  const nextBatch = skipGramBatches(subsampledStream(docs, index, counts, s.seed), counts, s);

  // LDA: a dictionary without the rarest and the commonest words, fitted on a first chunk.
  const dictionary = gs.text.Dictionary.fromDocuments(docs).filterExtremes({ noBelow: 3, noAbove: 0.3 });
  const lda = new gs.text.LDA({ numTopics: s.topics, seed: s.seed, dictionary, alpha: "auto" });
  let chunk = 0;
  const nextChunk = () => {
    const start = (chunk++ * LDA_CHUNK) % docs.length;
    return docs.slice(start, start + LDA_CHUNK);
  };
  lda.fit(nextChunk());

  let steps = 0;
  return {
    parameters: model.numParameters(),
    step() {
      const { centres, candidates } = nextBatch();
      const loss = model.forward(centres, candidates);
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      if (++steps % LDA_EVERY === 0) lda.update(nextChunk());
      return loss.detach();
    },
    view() {
      const weights = model.centre.weight.detach();
      const vectors = Float32Array.from(
        weights
          .div(weights.norm(2, -1, true).add(1e-8))
          .contiguous()
          .dataSync(),
      );
      const topics = Array.from({ length: s.topics }, (_, k) =>
        lda.topWords(k, TOP_WORDS).map((t) => t.word),
      );
      return {
        words,
        vectors,
        dim: s.dim,
        topics,
        mixtures: Float32Array.from(lda.transform(docs).flat()),
        paragraphs,
      };
    },
  };
}
