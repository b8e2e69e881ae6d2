/** The translation page's hyper-parameters and their defaults (no gradstack here: the page imports this). */
export type TranslationModel = "gru-attention" | "transformer";

export interface TranslationSettings {
  model: TranslationModel;
  /** English-French pairs trained on: the first ones of the Tatoeba file (the shortest sentences). */
  pairs: number;
  /** Embedding size (the Transformer's d_model). */
  embedDim: number;
  /** The GRUs' hidden size (the Transformer's feed-forward size). */
  hidden: number;
  lr: number;
  batchSize: number;
  /** Beam width of the search shown beside greedy decoding. */
  beamSize: number;
  /** The English sentence translated on the page. */
  sentence: string;
  seed: number;
}

export const TRANSLATION_DEFAULTS: TranslationSettings = {
  model: "gru-attention",
  pairs: 1000,
  embedDim: 32,
  hidden: 64,
  lr: 0.005,
  batchSize: 64,
  beamSize: 3,
  sentence: "i'm home .",
  seed: 1,
};

/**
 * The sentence pairs the lab serves: the first of data/fra-eng (lab/data/fra-eng-subset, written by
 * lab/scripts/data-subsets.mjs; keep the two in step).
 */
export const FRA_ENG_SUBSET_PAIRS = 20000;

/** Translations stop after this many tokens. */
export const MAX_TRANSLATION_TOKENS = 12;
