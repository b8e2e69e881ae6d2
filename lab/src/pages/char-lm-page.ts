/** Page (b): a character-level language model, from the bigram table to an LSTM, with live samples. */
import { CHAR_LM_FIELDS } from "./char-lm-fields";
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
    fields: Object.values(CHAR_LM_FIELDS), // in the order CHAR_LM_FIELDS lists them
    defaults: CHAR_LM_DEFAULTS,
    code: charLMCode,
    view: samplesView,
    tools: textUpload,
  });
}
