/**
 * MNIST classifiers as in d2l chapters 3-5: softmax regression (a single Linear layer) and an MLP
 * (784-256-10 with ReLU and dropout), trained with minibatch SGD or Adam through a DataLoader.
 */
import { Tensor } from "../tensor/tensor.js";
import { manualSeed } from "../tensor/random.js";
import { noGrad } from "../autograd/grad-mode.js";
import { Module } from "../nn/module.js";
import { Sequential } from "../nn/containers.js";
import { Linear } from "../nn/layers/linear.js";
import { ReLU } from "../nn/layers/activations.js";
import { Dropout } from "../nn/layers/dropout.js";
import { Flatten } from "../nn/layers/flatten.js";
import { crossEntropy } from "../nn/functional.js";
import { SGD } from "../optim/sgd.js";
import { Adam } from "../optim/adam.js";
import { TensorDataset } from "../data/dataset.js";
import { DataLoader } from "../data/dataloader.js";
import { loadMnist } from "../data/mnist.js";

export const MNIST_DEFAULTS = {
  arch: "mlp", // "softmax" | "mlp"
  epochs: 10,
  batch_size: 128,
  optimizer: "adam", // "sgd" | "adam"
  lr: 1e-3,
  momentum: 0.9,
  weight_decay: 0,
  hidden: 256,
  dropout: 0.2,
  seed: 0,
  /** Use only the first N training images (0: all 60,000). */
  limit: 0,
  data_dir: "",
};

export type MnistConfig = typeof MNIST_DEFAULTS;

export function mnistModel(c: Pick<MnistConfig, "arch" | "hidden" | "dropout">): Module {
  if (c.arch === "softmax") return new Sequential(new Flatten(), new Linear(784, 10));
  if (c.arch === "mlp")
    return new Sequential(
      new Flatten(),
      new Linear(784, c.hidden),
      new ReLU(),
      new Dropout(c.dropout),
      new Linear(c.hidden, 10),
    );
  throw new RangeError(`mnist: arch must be "softmax" or "mlp", got "${c.arch}"`);
}

/** Fraction of correct argmax predictions, in eval mode, in batches. */
export function accuracy(model: Module, images: Tensor, labels: Tensor, batchSize = 1000): number {
  model.eval();
  let correct = 0;
  noGrad(() => {
    for (let i = 0; i < images.shape[0]; i += batchSize) {
      const n = Math.min(batchSize, images.shape[0] - i);
      const logits = model.forward(images.narrow(0, i, n)) as Tensor;
      correct += logits
        .argmax(1)
        .eq(labels.narrow(0, i, n))
        .sum()
        .item();
    }
  });
  model.train();
  return correct / images.shape[0];
}

export interface EpochInfo {
  epoch: number;
  loss: number;
  testAccuracy: number;
  seconds: number;
}

/** Trains on MNIST's training set and reports test accuracy after each epoch. */
export function trainMnist(
  config: Partial<MnistConfig> = {},
  hooks: { onEpoch?(info: EpochInfo): void; onBatch?(done: number, total: number, loss: number): void } = {},
): { model: Module; testAccuracy: number; epochs: EpochInfo[] } {
  const c = { ...MNIST_DEFAULTS, ...config };
  manualSeed(c.seed);
  const train = loadMnist(c.data_dir || undefined, { split: "train" });
  const test = loadMnist(c.data_dir || undefined, { split: "test" });
  const images =
    c.limit > 0 ? train.images.narrow(0, 0, Math.min(c.limit, train.images.shape[0])) : train.images;
  const labels = c.limit > 0 ? train.labels.narrow(0, 0, images.shape[0]) : train.labels;
  const model = mnistModel(c);
  const params = model.parameters();
  const opt =
    c.optimizer === "sgd"
      ? new SGD(params, { lr: c.lr, momentum: c.momentum, weightDecay: c.weight_decay })
      : c.optimizer === "adam"
        ? new Adam(params, { lr: c.lr, weightDecay: c.weight_decay })
        : null;
  if (!opt) throw new RangeError(`mnist: optimizer must be "sgd" or "adam", got "${c.optimizer}"`);
  const loader = new DataLoader(new TensorDataset(images, labels), {
    batchSize: c.batch_size,
    shuffle: true,
  });
  const epochs: EpochInfo[] = [];
  for (let epoch = 1; epoch <= c.epochs; epoch++) {
    const t0 = performance.now();
    let total = 0;
    let batches = 0;
    for (const [x, y] of loader) {
      const loss = crossEntropy(model.forward(x) as Tensor, y);
      opt.zeroGrad();
      loss.backward();
      opt.step();
      total += loss.item();
      batches++;
      hooks.onBatch?.(batches, loader.length, loss.item());
    }
    const info = {
      epoch,
      loss: total / batches,
      testAccuracy: accuracy(model, test.images, test.labels),
      seconds: (performance.now() - t0) / 1000,
    };
    epochs.push(info);
    hooks.onEpoch?.(info);
  }
  return { model, testAccuracy: epochs[epochs.length - 1]?.testAccuracy ?? NaN, epochs };
}
