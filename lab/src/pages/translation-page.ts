/** Page (f): an encoder-decoder learning English to French, its attention per output word, greedy beside beam search. */
import { SEED_FIELD, learningRateField, batchField } from "../ui/settings-form";
import { mountTrainingPage } from "../ui/training-page";
import { alignmentMap } from "../ui/alignment-map";
import { FRA_ENG_SUBSET_PAIRS, TRANSLATION_DEFAULTS } from "../tasks/translation-settings";
import { translationCode } from "../tasks/translation-code";
import type { TranslationView } from "../tasks/translation-task";

function translationView(parent: HTMLElement): (view: TranslationView) => void {
  const row = Object.assign(document.createElement("div"), { className: "translations" });
  parent.append(row);
  const greedy = alignmentMap(row, "greedy search");
  const beam = alignmentMap(row, "beam search");
  const beamCaption = row.querySelectorAll("figcaption")[1];
  return (view) => {
    greedy(view.source, view.greedy.words, view.greedy.attention);
    beam(view.source, view.beam.words, view.beam.attention);
    beamCaption.textContent = `beam search (${view.beamSize} beams) · log p ${view.beam.logProb.toFixed(2)} vs greedy ${view.greedy.logProb.toFixed(2)}`;
  };
}

export function mountTranslationPage(root: HTMLElement): () => void {
  return mountTrainingPage(root, {
    task: "translation",
    title: "Encoder-decoder: translating English to French with attention",
    blurb:
      "A GRU encoder-decoder with Bahdanau attention (or a small Transformer) learns to translate the first " +
      "Tatoeba sentence pairs. For the sentence you type, each row of a grid is one French word and shows " +
      "which English tokens the decoder attended to when it wrote it: the diagonal of the alignment appears " +
      "as it trains. Greedy search takes the likeliest word at each step; beam search keeps several " +
      "partial translations and can find a likelier whole sentence.",
    fields: [
      { key: "model", label: "model", options: ["gru-attention", "transformer"] },
      { key: "pairs", label: "sentence pairs", min: 50, max: FRA_ENG_SUBSET_PAIRS },
      { key: "embedDim", label: "embedding", min: 4, max: 256 },
      { key: "hidden", label: "hidden", min: 4, max: 512 },
      learningRateField(0.1),
      batchField(256),
      { key: "beamSize", label: "beams", min: 1, max: 10 },
      { key: "sentence", label: "sentence", text: true },
      SEED_FIELD,
    ],
    defaults: TRANSLATION_DEFAULTS,
    code: translationCode,
    view: translationView,
  });
}
