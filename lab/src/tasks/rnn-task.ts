/**
 * A recurrent character model (gs.models.RNNLanguageModel: a plain RNN, an LSTM or a GRU) on the Time
 * Machine or tiny Shakespeare, trained with Adam on random windows. The view shows inside the cell: its
 * gates and hidden state over the probe text, the gradient norms through time, and a sample.
 */
import * as gs from "gradstack";
import type { Task } from "./task";
import { PROBE_MAX, RNN_SAMPLE_LENGTH, type RNNSettings } from "./rnn-settings";
import { languageModelStep, randomWindows, sampleAfterNewline } from "./text-windows";
import { probeRecurrent, type RNNProbe } from "./rnn-probe";
import { place, type TaskDevice } from "./device-twin";

export interface RNNView extends RNNProbe {
  /** The probe's characters that the maps are about (those the tokenizer knows). */
  probe: string;
  sample: string;
}

/** The probe text restricted to characters of the vocabulary, at least 2 of them. */
function knownProbe(probe: string, tokenizer: gs.text.CharTokenizer, text: string): string {
  const known = new Set(tokenizer.decode(Array.from({ length: tokenizer.vocabSize }, (_, i) => i)));
  const kept = [...probe].filter((ch) => known.has(ch)).slice(0, PROBE_MAX);
  return kept.length >= 2 ? kept.join("") : text.slice(0, PROBE_MAX);
}

export function rnnTask(s: RNNSettings, text: string, device?: TaskDevice): Task<RNNView> {
  gs.manualSeed(s.seed);
  const tokenizer = gs.text.CharTokenizer.fromText(text);
  const ids = Int32Array.from(tokenizer.encode(text));
  const build = () =>
    new gs.models.RNNLanguageModel({
      cell: s.cell,
      vocabSize: tokenizer.vocabSize,
      embedDim: s.embedDim,
      hiddenSize: s.hidden,
    });
  const placed = place(build(), device, build);
  const { model } = placed;
  const optimizer = new gs.optim.Adam(model.parameters(), { lr: s.lr });
  const nextBatch = randomWindows(ids, s.batchSize, s.seqLen, s.seed);
  const probe = knownProbe(s.probe, tokenizer, text);
  const probeIds = tokenizer.encode(probe);
  return {
    parameters: model.numParameters(),
    device,
    step: () => languageModelStep(model, optimizer, nextBatch(), placed.here),
    async view() {
      const host = await placed.onHost();
      return {
        probe,
        ...probeRecurrent(host, probeIds),
        sample: sampleAfterNewline(host, tokenizer, RNN_SAMPLE_LENGTH, s.seed),
      };
    },
  };
}
