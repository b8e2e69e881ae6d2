/**
 * A tiny character GPT (nanoGPT's model, gs.models.GPT) trained with AdamW on random windows of a text;
 * the view is a sample and the attention pattern of every layer and head for the prompt.
 */
import * as gs from "gradstack";
import type { Task } from "./task";
import { GPT_SAMPLE_LENGTH, samplingOptions, type GPTSettings } from "./gpt-settings";
import { languageModelStep, randomWindows, sampleAfterNewline } from "./text-windows";
import { place, type TaskDevice } from "./device-twin";
import { attentionMaps } from "./gpt-attention";
import { gptFileBytes } from "./gpt-file";

export interface GPTView {
  sample: string;
  /** The prompt's characters that the maps are about (those the tokenizer knows, up to blockSize). */
  prompt: string;
  /** maps[layer][head]: (T, T) attention weights, row = query position. */
  maps: Float32Array[][];
}

export function gptTask(s: GPTSettings, text: string, device?: TaskDevice): Task<GPTView> {
  gs.manualSeed(s.seed);
  const tokenizer = gs.text.CharTokenizer.fromText(text);
  const model = new gs.models.GPT({
    vocabSize: tokenizer.vocabSize,
    blockSize: s.blockSize,
    nLayer: s.nLayer,
    nHead: s.nHead,
    nEmbd: s.nHead * s.headSize,
    dropout: 0,
  });
  return gptTaskOf(s, text, model, tokenizer, device);
}

/**
 * Trains `model` (built here, or loaded from a file) on the characters of `text` that `tokenizer` knows;
 * with `device` "webgpu" on the GPU, the views and the file drawn from a CPU twin.
 */
export function gptTaskOf(
  s: GPTSettings,
  text: string,
  model: gs.models.GPT,
  tokenizer: gs.text.CharTokenizer,
  device?: TaskDevice,
): Task<GPTView> {
  const { blockSize } = model.config;
  const known = new Set(tokenizer.decode(Array.from({ length: tokenizer.vocabSize }, (_, i) => i)));
  const ids = Int32Array.from(tokenizer.encode([...text].filter((c) => known.has(c)).join("")));
  const nextBatch = randomWindows(ids, s.batchSize, blockSize, s.seed);
  const prompt =
    [...s.prompt]
      .filter((c) => known.has(c))
      .slice(0, blockSize)
      .join("") || tokenizer.decode(Array.from(ids.subarray(0, blockSize)));
  const promptIds = gs.tensor([tokenizer.encode(prompt)], { dtype: "int32" });
  let sampling = samplingOptions(s);
  const view = (cpuModel: gs.models.GPT): GPTView => {
    cpuModel.eval();
    try {
      return {
        sample: sampleAfterNewline(cpuModel, tokenizer, GPT_SAMPLE_LENGTH, s.seed, sampling),
        prompt,
        maps: attentionMaps(cpuModel, promptIds),
      };
    } finally {
      cpuModel.train();
    }
  };
  const placed = place(model, device, () => new gs.models.GPT(model.config));
  const optimizer = new gs.optim.AdamW(model.parameters(), { lr: s.lr, weightDecay: 0.1 });
  return {
    parameters: model.numParameters(),
    device,
    step: () => languageModelStep(model, optimizer, nextBatch(), placed.here),
    tune: (next) => void (sampling = samplingOptions(next as GPTSettings)),
    save: async () => gptFileBytes(await placed.onHost(), tokenizer),
    view: async () => view(await placed.onHost()),
  };
}
