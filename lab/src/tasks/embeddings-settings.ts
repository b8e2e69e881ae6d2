/** The embeddings page's hyper-parameters and their defaults (no gradstack here: the page imports this). */
export interface EmbeddingsSettings {
  /** Dimension of the word vectors. */
  dim: number;
  /** Largest distance between a centre word and a context word. */
  window: number;
  /** Noise words per (centre, context) pair. */
  negatives: number;
  /** Words seen fewer times are left out of the vocabulary. */
  minCount: number;
  lr: number;
  /** (centre, context) pairs per step. */
  batchSize: number;
  /** Topics of the LDA model. */
  topics: number;
  seed: number;
}

export const EMBEDDINGS_DEFAULTS: EmbeddingsSettings = {
  dim: 32,
  window: 3,
  negatives: 5,
  minCount: 5,
  lr: 0.01,
  batchSize: 512,
  topics: 6,
  seed: 1,
};

/** The words drawn on the projection until the user types others. */
export const DEFAULT_PROJECTED_WORDS =
  "time traveller machine man woman day night sun moon light dark white black red green eyes face hand feet little great";
