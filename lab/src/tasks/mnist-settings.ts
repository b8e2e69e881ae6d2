/** The MNIST page's hyper-parameters and their defaults (no gradstack here: the page imports this). */
export type MnistModel = "softmax" | "mlp";

export interface MnistSettings {
  /** Softmax regression (one linear layer) or an MLP with one hidden layer. */
  model: MnistModel;
  hidden: number;
  lr: number;
  batchSize: number;
  /** Training images: the first this many of MNIST's 60,000 (at most MNIST_SUBSET.train). */
  trainImages: number;
  seed: number;
}

export const MNIST_DEFAULTS: MnistSettings = {
  model: "mlp",
  hidden: 64,
  lr: 0.002,
  batchSize: 64,
  trainImages: 5000,
  seed: 1,
};

/**
 * The images the lab serves: the first of MNIST's training and test sets (lab/scripts/data-subsets.mjs
 * writes them; keep the two in step).
 */
export const MNIST_SUBSET = { train: 5000, test: 500 } as const;

/** Test images the view classifies: all of the subset's. */
export const TEST_IMAGES = MNIST_SUBSET.test;
/** Misclassified test digits shown at most. */
export const MISTAKES_SHOWN = 24;
