/** The MNIST page's hyper-parameters and their defaults (no gradstack here: the page imports this). */
export type MnistModel = "softmax" | "mlp";

export interface MnistSettings {
  /** Softmax regression (one linear layer) or an MLP with one hidden layer. */
  model: MnistModel;
  hidden: number;
  lr: number;
  batchSize: number;
  /** Training images: the first this many of MNIST's 60,000. */
  trainImages: number;
  seed: number;
}

export const MNIST_DEFAULTS: MnistSettings = {
  model: "mlp",
  hidden: 64,
  lr: 0.002,
  batchSize: 64,
  trainImages: 6000,
  seed: 1,
};

/** Test images the view classifies: the first this many of MNIST's test set. */
export const TEST_IMAGES = 500;
/** Misclassified test digits shown at most. */
export const MISTAKES_SHOWN = 24;
