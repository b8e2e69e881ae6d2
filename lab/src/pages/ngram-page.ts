/** Page: n-gram models on names: the bigram count table, and the MLP language model's 2-D embedding moving. */
import { CHAR_LM_FIELDS } from "./char-lm-fields";
import { mountTrainingPage } from "../ui/training-page";
import { HeatMap } from "../ui/heat-map";
import { EmbeddingScatter } from "../ui/embedding-scatter";
import { NGRAM_DEFAULTS, NGRAM_KEYS } from "../tasks/ngram-settings";
import { ngramCode } from "../tasks/ngram-code";
import type { NgramView } from "../tasks/ngram-task";

/** The newline that ends a name is makemore's "." token. */
const shown = (c: string) => (c === "\n" ? "." : c);

function ngramView(parent: HTMLElement): (view: NgramView) => void {
  const heading = (text: string) => Object.assign(document.createElement("h3"), { textContent: text });
  const [left, right] = [document.createElement("div"), document.createElement("div")];
  parent.append(left, right);
  left.append(heading("Bigram counts (log colour)"));
  const counts = new HeatMap(left, "bigram-counts");
  left.append(
    Object.assign(document.createElement("p"), {
      className: "caption",
      textContent: "row: a character, column: the next one",
    }),
  );
  right.append(heading("The MLP's 2-D embedding"));
  const embedding = new EmbeddingScatter(right, 300);
  right.append(heading("Samples"));
  const samples = Object.assign(document.createElement("pre"), { className: "samples" });
  right.append(samples);
  return (view) => {
    const labels = view.vocab.map(shown);
    if (view.counts) {
      counts.draw(view.counts, labels.length, labels.length, {
        cell: 13,
        rowLabels: labels,
        columnLabels: labels,
        scale: (v, max) => Math.log1p(v) / Math.log1p(max),
      });
      embedding.reset();
    }
    embedding.draw(view.embedding, labels);
    samples.textContent = view.sample;
  };
}

export function mountNgramPage(root: HTMLElement): () => void {
  return mountTrainingPage(root, {
    task: "ngram",
    title: "n-gram models: the bigram table and the MLP language model",
    blurb:
      "The bigram model is a table of counts: how often each character follows each other one in 32,000 " +
      'names ("." starts and ends a name). The MLP of Bengio et al. (2003) looks at the last few ' +
      "characters through a learned embedding, here 2-D so that it can be drawn: watch the vowels " +
      "gather while the samples turn into names.",
    // The MLP's own settings (its embedding is fixed at 2-D, its text is names).
    fields: NGRAM_KEYS.map((key) =>
      key === "context" ? { ...CHAR_LM_FIELDS.context, label: "context" } : CHAR_LM_FIELDS[key],
    ),
    defaults: NGRAM_DEFAULTS,
    code: ngramCode,
    view: ngramView,
  });
}
