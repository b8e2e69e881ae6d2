/** The playground's hyper-parameters and their defaults (no gradstack here: the page imports this). */
import type { Dataset2D } from "./points-2d";
import type { UploadedPoints } from "./points-csv";

export type Activation = "tanh" | "relu" | "sigmoid";

export interface PlaygroundSettings {
  /** A generated set, or "csv": the points of `csv`, uploaded by the learner. */
  dataset: Dataset2D | "csv";
  csv?: UploadedPoints;
  /** Standard deviation of the noise added to the points. */
  noise: number;
  hiddenLayers: number;
  width: number;
  activation: Activation;
  lr: number;
  seed: number;
}

/** Each hidden neuron's map is NEURON_GRID² cells: coarser than the boundary's, as there are up to 6 × 64. */
export const NEURON_GRID = 16;

export const PLAYGROUND_DEFAULTS: PlaygroundSettings = {
  dataset: "spiral",
  noise: 0.05,
  hiddenLayers: 2,
  width: 16,
  activation: "tanh",
  lr: 0.03,
  seed: 1,
};
