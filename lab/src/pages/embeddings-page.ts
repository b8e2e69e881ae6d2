/** Page (e): word vectors (skip-gram word2vec) projected while they train, LDA topics, and search. */
import { SEED_FIELD, learningRateField, batchField } from "../ui/settings-form";
import { mountTrainingPage } from "../ui/training-page";
import { wordQueries } from "../ui/word-queries";
import { topicsView } from "../ui/topics-view";
import { searchBox } from "../ui/search-box";
import { EMBEDDINGS_DEFAULTS } from "../tasks/embeddings-settings";
import { embeddingsCode } from "../tasks/embeddings-code";
import type { EmbeddingsView } from "../tasks/embeddings-task";

const heading = (text: string) => Object.assign(document.createElement("h3"), { textContent: text });

function embeddingsView(parent: HTMLElement): (view: EmbeddingsView) => void {
  parent.append(heading("Word vectors (PCA of the words below)"));
  const drawWords = wordQueries(parent);
  parent.append(heading("Topics (LDA)"));
  const drawTopics = topicsView(parent);
  parent.append(heading("Search the paragraphs"));
  const setCorpus = searchBox(parent);
  return (view) => {
    drawWords(view);
    drawTopics(view);
    setCorpus(view.paragraphs);
  };
}

export function mountEmbeddingsPage(root: HTMLElement): () => void {
  return mountTrainingPage(root, {
    task: "embeddings",
    title: "Embeddings and topics: word2vec, LDA, search",
    blurb:
      "Skip-gram word2vec learns a vector per word of the Time Machine by telling the words around each word " +
      "from random ones. The map projects the vectors of the words you choose on their two principal " +
      "components: words used alike drift together as it trains. Ask for neighbours and analogies; LDA " +
      "finds topics in the paragraphs meanwhile, and BM25 or tf-idf searches them. This page trains on the " +
      "CPU even where WebGPU is on: LDA is host code, and word2vec's step, a few hundred rows gathered from " +
      "two small tables, is too little work to pay for the GPU's per-kernel cost.",
    fields: [
      { key: "dim", label: "vector size", min: 2, max: 128 },
      { key: "window", label: "window", min: 1, max: 10 },
      { key: "negatives", label: "noise words", min: 1, max: 20 },
      { key: "minCount", label: "min count", min: 1, max: 50 },
      learningRateField(1),
      batchField(4096),
      { key: "topics", label: "topics", min: 2, max: 8 },
      SEED_FIELD,
    ],
    defaults: EMBEDDINGS_DEFAULTS,
    code: embeddingsCode,
    view: embeddingsView,
  });
}
