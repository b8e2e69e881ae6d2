/** Page (a): TensorFlow Playground on gradstack, an MLP learning a 2-D decision boundary. */
import { mountTrainingPage } from "../ui/training-page";
import { boundaryCanvas } from "../ui/boundary-canvas";
import { PLAYGROUND_DEFAULTS } from "../tasks/playground-settings";
import { DATASETS_2D } from "../tasks/points-2d";
import { playgroundCode } from "../tasks/playground-code";

export function mountPlaygroundPage(root: HTMLElement): () => void {
  return mountTrainingPage(root, {
    task: "playground",
    title: "Neural nets: an MLP on 2-D data",
    blurb:
      "An MLP classifies points into two classes (orange and blue). The background is the probability " +
      "it gives to blue at each place: watch the decision boundary bend around the data as it trains.",
    fields: [
      { key: "dataset", label: "data", options: DATASETS_2D },
      { key: "noise", label: "noise", min: 0, max: 0.5, step: 0.01 },
      { key: "hiddenLayers", label: "hidden layers", min: 0, max: 6 },
      { key: "width", label: "width", min: 1, max: 64 },
      { key: "activation", label: "activation", options: ["tanh", "relu", "sigmoid"] },
      { key: "lr", label: "learning rate", min: 0.0001, max: 1, step: 0.0001 },
      { key: "seed", label: "seed", min: 0, max: 9999 },
    ],
    defaults: PLAYGROUND_DEFAULTS,
    code: playgroundCode,
    view: (parent) => boundaryCanvas(parent),
  });
}
