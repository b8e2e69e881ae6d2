/** The character model's settings fields, one per setting, which the n-gram page shares (its MLP is this model). */
import { batchField, learningRateField, SEED_FIELD, type Field } from "../ui/settings-form";
import type { CharLMSettings } from "../tasks/char-lm-settings";

/** Each setting's field, typed by its own key so that a page on a subset of the settings can take it. */
type FieldPerKey<S> = { [K in keyof S & string]: Field<Pick<S, K>> };

export const CHAR_LM_FIELDS: FieldPerKey<CharLMSettings> = {
  corpus: { key: "corpus", label: "text", options: ["names", "shakespeare"] },
  model: { key: "model", label: "model", options: ["bigram", "mlp", "gru", "lstm"] },
  context: { key: "context", label: "context (mlp)", min: 1, max: 8 },
  embedDim: { key: "embedDim", label: "embedding", min: 2, max: 64 },
  hidden: { key: "hidden", label: "hidden", min: 4, max: 256 },
  lr: learningRateField(1),
  batchSize: batchField(256),
  seqLen: { key: "seqLen", label: "window", min: 2, max: 64 },
  seed: SEED_FIELD,
};
