/** The gradstack program that the tiny GPT's settings describe (what the worker runs). */
import { GPT_SAMPLE_LENGTH, type GPTSettings } from "./gpt-settings";
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
  });
}
