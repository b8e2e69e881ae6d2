/** gs.models: one readable file per model. */
export {
  GPT,
  GPT_DEFAULTS,
  Block,
  CausalSelfAttention,
  MLP,
  type GPTConfig,
  type GPTOutput,
  type KVCache,
} from "./gpt.js";
export { sampleNext, multinomial, type SampleOptions } from "./sampling.js";
export * from "./decoding.js";
export * from "./seq2seq.js";
export * from "./transformer-mt.js";
export type { LMOutput } from "./language-model.js";
export { Bigram, BigramCounts } from "./bigram.js";
export { MLPLanguageModel, MLP_LM_DEFAULTS, type MLPLMConfig } from "./mlp-lm.js";
export { RNNLanguageModel, RNN_LM_DEFAULTS, detachState, type RNNLMConfig, type RNNState } from "./rnn-lm.js";
export {
  TextEncoder,
  TEXT_ENCODER_DEFAULTS,
  type TextEncoderConfig,
  type TokenBatch,
} from "./text-encoder.js";
