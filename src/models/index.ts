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
