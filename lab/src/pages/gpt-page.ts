/** Page (c): a tiny character GPT training live, with the attention pattern of every layer and head. */
import { SEED_FIELD, learningRateField, batchField } from "../ui/settings-form";
import { mountTrainingPage } from "../ui/training-page";
import { attentionMaps } from "../ui/attention-maps";
import { GPT_SAMPLING_KEYS, GPT_SETTINGS_DEFAULTS } from "../tasks/gpt-settings";
import { gptCode } from "../tasks/gpt-code";
import type { GPTView } from "../tasks/gpt-task";
import { modelFileTools } from "../ui/model-file-tools";
import { textUpload } from "../ui/text-upload";

function gptView(parent: HTMLElement): (view: GPTView) => void {
  const drawMaps = attentionMaps(parent);
  const heading = Object.assign(document.createElement("h3"), { textContent: "Sample" });
  const sample = Object.assign(document.createElement("pre"), { className: "samples" });
  parent.append(heading, sample);
  return (view) => {
    drawMaps(view);
    sample.textContent = view.sample;
  };
}

export function mountGPTPage(root: HTMLElement): () => void {
  return mountTrainingPage(root, {
    task: "gpt",
    title: "GPT: a tiny Transformer and its attention",
    blurb:
      "nanoGPT's model, small enough to train here, learns to continue text one character at a time. " +
      "The heat maps show, for the prompt, how much each character attends to each earlier one in every " +
      "layer and head: at first the attention is spread evenly, then heads specialise.",
    fields: [
      { key: "corpus", label: "text", options: ["shakespeare", "names"] },
      { key: "nLayer", label: "layers", min: 1, max: 4 },
      { key: "nHead", label: "heads", min: 1, max: 4 },
      { key: "headSize", label: "head size", min: 4, max: 32 },
      { key: "blockSize", label: "context", min: 8, max: 64 },
      learningRateField(0.1),
      batchField(64),
      { key: "prompt", label: "prompt", text: true },
      { key: "temperature", label: "temperature", min: 0, max: 2, step: 0.1 },
      { key: "topK", label: "top-k (0: all)", min: 0, max: 100 },
      SEED_FIELD,
    ],
    defaults: GPT_SETTINGS_DEFAULTS,
    liveKeys: GPT_SAMPLING_KEYS,
    code: gptCode,
    view: gptView,
    tools(parent, client) {
      textUpload(parent, client);
      return modelFileTools(parent, client);
    },
  });
}
