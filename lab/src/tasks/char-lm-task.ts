/**
 * A character-level language model on a shipped text (names or tiny Shakespeare), makemore's ladder:
 * the bigram table, the Bengio MLP, then a GRU or an LSTM. Adam on random windows of the text; the
 * view is a few samples from the model.
 */
import * as gs from "gradstack";
import type { Task } from "./task";
import { sampleLength, type CharLMSettings } from "./char-lm-settings";
import { languageModelStep, randomWindows, sampleAfterNewline } from "./text-windows";
import { place, type TaskDevice } from "./device-twin";

export interface CharLMView {
  /** Text sampled from the model, starting after a newline. */
  sample: string;
}

/** The model of the settings, from gs.models. */
export function buildCharModel(s: CharLMSettings, vocabSize: number): CharLM {
  if (s.model === "bigram") return new gs.models.Bigram(vocabSize);
  if (s.model === "mlp")
    return new gs.models.MLPLanguageModel({
      vocabSize,
      blockSize: s.context,
      embedDim: s.embedDim,
      hiddenSize: s.hidden,
    });
  return new gs.models.RNNLanguageModel({
    cell: s.model,
    vocabSize,
    embedDim: s.embedDim,
    hiddenSize: s.hidden,
  });
}

/** What the four models share: forward(idx, targets) -> loss, generate, and their parameters. */
interface CharLM extends gs.nn.Module {
  forward(idx: gs.Tensor, targets?: gs.Tensor | null): { loss: gs.Tensor | null };
  generate(idx: gs.Tensor, maxNewTokens: number, opts?: gs.models.SampleOptions): gs.Tensor;
}

export function charLMTask(s: CharLMSettings, text: string, device?: TaskDevice): Task<CharLMView> {
  gs.manualSeed(s.seed);
  const tokenizer = gs.text.CharTokenizer.fromText(text);
  const ids = Int32Array.from(tokenizer.encode(text));
  const placed = place(buildCharModel(s, tokenizer.vocabSize), device, () =>
    buildCharModel(s, tokenizer.vocabSize),
  );
  const { model } = placed;
  const optimizer = new gs.optim.Adam(model.parameters(), { lr: s.lr });
  const nextBatch = randomWindows(ids, s.batchSize, s.seqLen, s.seed);
  return {
    parameters: model.numParameters(),
    device,
    step: () => languageModelStep(model, optimizer, nextBatch(), placed.here),
    view: async () => ({
      sample: sampleAfterNewline(await placed.onHost(), tokenizer, sampleLength(s.corpus), s.seed),
    }),
  };
}
