/** The n-gram page's hyper-parameters (no gradstack here: the page imports this). */
import type { CharLMSettings } from "./char-lm-settings";

/** The character model's settings that the n-gram page lets the user change, in the form's order. */
export const NGRAM_KEYS = ["context", "hidden", "lr", "batchSize", "seqLen", "seed"] as const;

/** The Bengio MLP's settings on names; its embedding is fixed at 2-D so that it can be drawn as it is. */
export type NgramSettings = Pick<CharLMSettings, (typeof NGRAM_KEYS)[number]>;

export const NGRAM_DEFAULTS: NgramSettings = {
  context: 3,
  hidden: 64,
  lr: 0.01,
  batchSize: 32,
  seqLen: 16,
  seed: 1,
};

/** The character model that the n-gram page trains: the MLP with 2-D embeddings on names. */
export const ngramCharSettings = (s: NgramSettings): CharLMSettings => ({
  ...s,
  corpus: "names",
  model: "mlp",
  embedDim: 2,
});
