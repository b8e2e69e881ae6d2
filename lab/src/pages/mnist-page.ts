/** Page: MNIST digits, softmax regression or an MLP, with the confusion matrix and the digits it gets wrong. */
import { SEED_FIELD, learningRateField, batchField } from "../ui/settings-form";
import { mountTrainingPage } from "../ui/training-page";
import { HeatMap } from "../ui/heat-map";
import { DigitGrid } from "../ui/digit-grid";
import { MNIST_DEFAULTS, MNIST_SUBSET, TEST_IMAGES } from "../tasks/mnist-settings";
import { mnistCode } from "../tasks/mnist-code";
import type { MnistView } from "../tasks/mnist-task";

const DIGITS = Array.from({ length: 10 }, (_, d) => String(d));

function mnistView(parent: HTMLElement): (view: MnistView) => void {
  const accuracy = Object.assign(document.createElement("div"), { className: "accuracy" });
  const heading = (text: string) => Object.assign(document.createElement("h3"), { textContent: text });
  parent.append(accuracy, heading("Confusion matrix (row: true digit, column: predicted)"));
  const confusion = new HeatMap(parent, "confusion");
  parent.append(heading("Misclassified test digits (true→predicted)"));
  const mistakes = new DigitGrid(parent);
  return (view) => {
    accuracy.textContent = `test accuracy ${(view.accuracy * 100).toFixed(1)}% on ${view.tested} images`;
    accuracy.dataset.accuracy = String(view.accuracy);
    confusion.draw(view.confusion, 10, 10, {
      cell: 26,
      rowLabels: DIGITS,
      columnLabels: DIGITS,
      showValues: true,
      // The diagonal dwarfs the errors: a square root keeps the off-diagonal cells visible.
      scale: (v, max) => Math.sqrt(v / max),
    });
    const { truth, predicted, pixels } = view.mistakes;
    mistakes.draw(
      pixels,
      truth.map((t, i) => `${t}→${predicted[i]}`),
    );
  };
}

export function mountMnistPage(root: HTMLElement): () => void {
  return mountTrainingPage(root, {
    task: "mnist",
    title: "Neural nets: MNIST digits",
    blurb:
      "Softmax regression (one linear layer) or an MLP learns to read handwritten digits from the first " +
      `MNIST training images. Every second it classifies the first ${TEST_IMAGES} test images: the ` +
      "confusion matrix fills its diagonal, and the digits it still gets wrong are shown with its guess.",
    fields: [
      { key: "model", label: "model", options: ["softmax", "mlp"] },
      { key: "hidden", label: "hidden (mlp)", min: 8, max: 512 },
      learningRateField(0.1),
      batchField(512),
      { key: "trainImages", label: "training images", min: 100, max: MNIST_SUBSET.train, step: 100 },
      SEED_FIELD,
    ],
    defaults: MNIST_DEFAULTS,
    code: mnistCode,
    view: mnistView,
  });
}
