/** Page (a): TensorFlow Playground on gradstack, an MLP learning a 2-D decision boundary. */
import { SEED_FIELD, learningRateField } from "../ui/settings-form";
import { mountTrainingPage } from "../ui/training-page";
import { boundaryCanvas } from "../ui/boundary-canvas";
import { neuronMaps } from "../ui/neuron-maps";
import { PLAYGROUND_DEFAULTS } from "../tasks/playground-settings";
import { DATASETS_2D } from "../tasks/points-2d";
import { playgroundCode } from "../tasks/playground-code";
import { csvUpload } from "../ui/csv-upload";
import { pointsFromCsv, type UploadedPoints } from "../tasks/points-csv";

/** The upload under the form: on a good file, the model is rebuilt on its points ("csv" in the data list). */
function uploadPoints(parent: HTMLElement, extend: (extra: { csv: UploadedPoints }) => void): void {
  csvUpload(
    parent,
    "columns x, y and label (two values), one point per row",
    pointsFromCsv,
    (p) => `${p.name}: ${p.labels.length} points; label ${p.classes[0]} orange, ${p.classes[1]} blue`,
    (csv) => {
      extend({ csv });
      const dataset = parent.querySelector<HTMLSelectElement>("select[name=dataset]")!;
      if (dataset.value === "csv") return;
      dataset.value = "csv";
      dataset.dispatchEvent(new Event("change"));
    },
  );
}

export function mountPlaygroundPage(root: HTMLElement): () => void {
  return mountTrainingPage(root, {
    task: "playground",
    title: "Neural nets: an MLP on 2-D data",
    blurb:
      "An MLP classifies points into two classes (orange and blue), or on plane and bumps fits a value " +
      "per point (regression: orange -1, blue 1). The background is the probability it gives to blue " +
      "(or the value it predicts) at each place: watch the decision boundary bend around the data as it trains, and " +
      "below it what each hidden neuron outputs over the plane. " +
      "Train on your own points: upload a CSV with columns x, y and label.",
    fields: [
      { key: "dataset", label: "data", options: [...DATASETS_2D, "csv"] },
      { key: "noise", label: "noise", min: 0, max: 0.5, step: 0.01 },
      { key: "hiddenLayers", label: "hidden layers", min: 0, max: 6 },
      { key: "width", label: "width", min: 1, max: 64 },
      { key: "activation", label: "activation", options: ["tanh", "relu", "sigmoid"] },
      learningRateField(1),
      SEED_FIELD,
    ],
    defaults: PLAYGROUND_DEFAULTS,
    code: playgroundCode,
    view(parent) {
      const [drawBoundary, drawNeurons] = [boundaryCanvas(parent), neuronMaps(parent)];
      return (view) => {
        drawBoundary(view);
        drawNeurons(view);
      };
    },
    moreSettings: uploadPoints,
  });
}
