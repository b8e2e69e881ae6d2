/** The recurrent character model's hyper-parameters and their defaults (no gradstack here: the page imports this). */
export type RNNCell = "rnn" | "lstm" | "gru";
export type RNNCorpus = "timemachine" | "shakespeare";

export interface RNNSettings {
  corpus: RNNCorpus;
  cell: RNNCell;
  embedDim: number;
  hidden: number;
  lr: number;
  batchSize: number;
  /** Characters per training window (the steps backpropagation goes through). */
  seqLen: number;
  /** The text whose gates, hidden states and gradients the page draws. */
  probe: string;
  seed: number;
}

export const RNN_DEFAULTS: RNNSettings = {
  corpus: "timemachine",
  cell: "lstm",
  embedDim: 16,
  hidden: 48,
  lr: 0.01,
  batchSize: 16,
  seqLen: 32,
  probe: "The Time Traveller (for so it will be convenient",
  seed: 1,
};

/** The gates of each cell, in PyTorch's order of the rows of weight_ih; a plain RNN has none. */
export const GATE_NAMES: Record<RNNCell, readonly string[]> = {
  rnn: [],
  lstm: ["i (input)", "f (forget)", "g (candidate)", "o (output)"],
  gru: ["r (reset)", "z (update)", "n (candidate)"],
};

/** The probe is cut to this many characters, so the heat maps stay readable. */
export const PROBE_MAX = 48;
/** Characters per sample shown. */
export const RNN_SAMPLE_LENGTH = 160;
