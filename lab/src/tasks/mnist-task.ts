/**
 * MNIST digits: softmax regression or a one-hidden-layer MLP, Adam on random minibatches of the first
 * training images. The view classifies the first test images: accuracy, the confusion matrix and the
 * digits it gets wrong.
 */
import * as gs from "gradstack";
import type { Task } from "./task";
import { MISTAKES_SHOWN, TEST_IMAGES, type MnistSettings } from "./mnist-settings";
import { mnistSplit, PIXELS } from "./mnist-data";
import { place, type TaskDevice } from "./device-twin";

export interface MnistView {
  /** Fraction of the test images classified correctly. */
  accuracy: number;
  tested: number;
  /** 10 × 10 counts, row = true digit, column = predicted digit. */
  confusion: Int32Array;
  /** Up to MISTAKES_SHOWN misclassified test digits: 784 pixels each, with the true and predicted digit. */
  mistakes: { pixels: Uint8Array; truth: number[]; predicted: number[] };
}

export function buildMnistModel(s: MnistSettings): gs.nn.Sequential {
  if (s.model === "softmax") return new gs.nn.Sequential(new gs.nn.Linear(PIXELS, 10));
  return new gs.nn.Sequential(
    new gs.nn.Linear(PIXELS, s.hidden),
    new gs.nn.ReLU(),
    new gs.nn.Linear(s.hidden, 10),
  );
}

export async function mnistTask(s: MnistSettings, device?: TaskDevice): Promise<Task<MnistView>> {
  const [train, test] = await Promise.all([
    mnistSplit("train", s.trainImages),
    mnistSplit("test", TEST_IMAGES),
  ]);
  gs.manualSeed(s.seed);
  const placed = place(buildMnistModel(s), device, () => buildMnistModel(s));
  const { model } = placed;
  const [images, labels] = [placed.here(train.images), placed.here(train.labels)];
  const optimizer = new gs.optim.Adam(model.parameters(), { lr: s.lr });
  const generator = new gs.Generator(s.seed);
  const testLabels = test.labels.dataSync();
  return {
    parameters: model.numParameters(),
    device,
    step() {
      const rows = placed.here(gs.randint(0, s.trainImages, [s.batchSize], { generator }));
      const logits = model.forward(images.indexSelect(0, rows)) as gs.Tensor;
      const loss = gs.nn.functional.crossEntropy(logits, labels.indexSelect(0, rows));
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      return loss.detach();
    },
    async view() {
      const host = await placed.onHost();
      const predicted = gs.noGrad(() => (host.forward(test.images) as gs.Tensor).argmax(1).dataSync());
      const confusion = new Int32Array(100);
      const mistakes: MnistView["mistakes"] = {
        pixels: new Uint8Array(MISTAKES_SHOWN * PIXELS),
        truth: [],
        predicted: [],
      };
      let correct = 0;
      for (let i = 0; i < TEST_IMAGES; i++) {
        const [truth, guess] = [testLabels[i], predicted[i]];
        confusion[truth * 10 + guess]++;
        if (truth === guess) correct++;
        else if (mistakes.truth.length < MISTAKES_SHOWN) {
          mistakes.pixels.set(
            test.pixels.subarray(i * PIXELS, (i + 1) * PIXELS),
            mistakes.truth.length * PIXELS,
          );
          mistakes.truth.push(truth);
          mistakes.predicted.push(guess);
        }
      }
      return { accuracy: correct / TEST_IMAGES, tested: TEST_IMAGES, confusion, mistakes };
    },
  };
}
