/** Page (b): a character-level language model, from the bigram table to an LSTM, with live samples. */
import { mountTrainingPage } from "../ui/training-page";
import { CHAR_LM_DEFAULTS } from "../tasks/char-lm-settings";
import { charLMCode } from "../tasks/char-lm-code";
import type { CharLMView } from "../tasks/char-lm-task";
import { textUpload } from "../ui/text-upload";

function samplesView(parent: HTMLElement): (view: CharLMView) => void {
  const heading = Object.assign(document.createElement("h3"), { textContent: "Samples" });
  const samples = Object.assign(document.createElement("pre"), { className: "samples" });
  parent.append(heading, samples);
  return ({ sample }) => {
    samples.textContent = sample;
  };
}

export function mountCharLMPage(root: HTMLElement): () => void {
  return mountTrainingPage(root, {
    task: "char-lm",
    title: "Language models: characters, from bigrams to an LSTM",
    blurb:
      "A model learns to predict the next character of names (or of Shakespeare). Climb makemore's " +
      "ladder (the bigram table, the MLP of Bengio et al., a GRU or an LSTM) and watch the samples " +
      "turn from noise into words; they are drawn with the same random numbers each time, so only " +
      "the model changes.",
    fields: [
      { key: "corpus", label: "text", options: ["names", "shakespeare"] },
      { key: "model", label: "model", options: ["bigram", "mlp", "gru", "lstm"] },
      { key: "context", label: "context (mlp)", min: 1, max: 8 },
      { key: "embedDim", label: "embedding", min: 2, max: 64 },
      { key: "hidden", label: "hidden", min: 4, max: 256 },
      { key: "lr", label: "learning rate", min: 0.0001, max: 1, step: 0.0001 },
      { key: "batchSize", label: "batch", min: 1, max: 256 },
      { key: "seqLen", label: "window", min: 2, max: 64 },
      { key: "seed", label: "seed", min: 0, max: 9999 },
    ],
    defaults: CHAR_LM_DEFAULTS,
    code: charLMCode,
    view: samplesView,
    tools: textUpload,
  });
}
