/** The playground's hyper-parameters and their defaults (no gradstack here: the page imports this). */
import type { Dataset2D } from "./points-2d";

export type Activation = "tanh" | "relu" | "sigmoid";

export interface PlaygroundSettings {
  dataset: Dataset2D;
  /** Standard deviation of the noise added to the points. */
  noise: number;
  hiddenLayers: number;
  width: number;
  activation: Activation;
  lr: number;
  seed: number;
}

export const PLAYGROUND_DEFAULTS: PlaygroundSettings = {
  dataset: "spiral",
  noise: 0.05,
  hiddenLayers: 2,
  width: 16,
  activation: "tanh",
  lr: 0.03,
  seed: 1,
};
