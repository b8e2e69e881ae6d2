/** The gradstack program that the tiny GPT's settings describe (what the worker runs). */
import { GPT_SAMPLE_LENGTH, samplingOptions, type GPTSettings } from "./gpt-settings";
import { languageModelScript } from "./char-lm-code";

export function gptCode(s: GPTSettings): string {
  return languageModelScript({
    ...s,
    model: `new gs.models.GPT({
  vocabSize: tokenizer.vocabSize,
  blockSize: ${s.blockSize},
  nLayer: ${s.nLayer},
  nHead: ${s.nHead},
  nEmbd: ${s.nHead * s.headSize},
  dropout: 0,
})`,
    optimizer: `new gs.optim.AdamW(model.parameters(), { lr: ${s.lr}, weightDecay: 0.1 })`,
    seqLen: s.blockSize,
    sampleLength: GPT_SAMPLE_LENGTH,
    sampling: samplingCode(s),
  });
}

/** The generate call's options: temperature, and top-k when on. */
function samplingCode(s: GPTSettings): string {
  const { temperature, topK } = samplingOptions(s);
  return `{ temperature: ${temperature}${topK === null ? "" : `, topK: ${topK}`} }`;
}
