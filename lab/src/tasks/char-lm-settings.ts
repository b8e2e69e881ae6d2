/** The character model's hyper-parameters and their defaults (no gradstack here: the page imports this). */
export type CharModel = "bigram" | "mlp" | "gru" | "lstm";
export type CharCorpus = "names" | "shakespeare";

export interface CharLMSettings {
  corpus: CharCorpus;
  model: CharModel;
  /** Hidden units of the MLP's layer or of the recurrent cell. */
  hidden: number;
  /** Embedding size per character (MLP, GRU, LSTM). */
  embedDim: number;
  /** Characters of context of the MLP. */
  context: number;
  lr: number;
  batchSize: number;
  /** Characters per training window. */
  seqLen: number;
  seed: number;
}

export const CHAR_LM_DEFAULTS: CharLMSettings = {
  corpus: "names",
  model: "mlp",
  hidden: 64,
  embedDim: 16,
  context: 3,
  lr: 0.01,
  batchSize: 32,
  seqLen: 16,
  seed: 1,
};

/** Characters per sample shown: a few names, or a few lines of Shakespeare. */
export const sampleLength = (corpus: CharCorpus): number => (corpus === "names" ? 60 : 160);
