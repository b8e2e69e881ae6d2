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
import type { Optimizer } from "../optim/optimizer.js";
import { trainSteps, type TrainHooks } from "./loop.js";
import { readNumbers, runAsync, runSync, type Reads } from "./reads.js";
import { RunRecorder } from "./recorder.js";
import { nanPolicy } from "./health.js";

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
  /** Where to write metrics, the best checkpoint and the loss curve ("": nowhere). */
  out_dir: "",
  /** On a non-finite loss or gradient: "stop" the run, "skip" the step, or "continue" (train/health.ts). */
  nan_policy: "stop",
  /** Where the model trains: "cpu" or "webgpu" (after `await gs.webgpu.init()`). */
  device: "cpu",
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

/** Fraction of correct argmax predictions, in eval mode, in batches (a model on the CPU). */
export function accuracy(model: Module, images: Tensor, labels: Tensor, batchSize = 1000): number {
  return runSync(accuracyReads(model, images, labels, batchSize));
}

/** accuracy on the model's device: the batches go there, their counts come back in one read. */
function* accuracyReads(model: Module, images: Tensor, labels: Tensor, batchSize = 1000): Reads<number> {
  const device = model.parameters()[0]?.device ?? "cpu";
  model.eval();
  const counts = noGrad(() => {
    const out: Tensor[] = [];
    for (let i = 0; i < images.shape[0]; i += batchSize) {
      const n = Math.min(batchSize, images.shape[0] - i);
      const logits = model.forward(images.narrow(0, i, n).to(device)) as Tensor;
      out.push(
        logits
          .argmax(1)
          .eq(labels.narrow(0, i, n).to(device))
          .sum(),
      );
    }
    return out;
  });
  model.train();
  const correct = (yield* readNumbers(counts)).reduce((a, b) => a + b, 0);
  return correct / images.shape[0];
}

export interface EpochInfo {
  epoch: number;
  /** Mean training loss over the epoch's batches. */
  loss: number;
  testAccuracy: number;
  /** Seconds of the epoch, its evaluation included. */
  seconds: number;
}

export interface MnistResult {
  model: Module;
  testAccuracy: number;
  epochs: EpochInfo[];
}

/** Trains on MNIST's training set on the CPU and reports test accuracy after each epoch. */
export function trainMnist(config: Partial<MnistConfig> = {}, hooks: TrainHooks = {}): MnistResult {
  return runSync(mnistTraining(config, hooks));
}

/** trainMnist on any device (`device: "webgpu"` after `await gs.webgpu.init()`). */
export function trainMnistAsync(
  config: Partial<MnistConfig> = {},
  hooks: TrainHooks = {},
): Promise<MnistResult> {
  return runAsync(mnistTraining(config, hooks));
}

function* mnistTraining(config: Partial<MnistConfig>, hooks: TrainHooks): Reads<MnistResult> {
  const c = { ...MNIST_DEFAULTS, ...config };
  manualSeed(c.seed);
  const train = loadMnist(c.data_dir || undefined, { split: "train" });
  const test = loadMnist(c.data_dir || undefined, { split: "test" });
  const images =
    c.limit > 0 ? train.images.narrow(0, 0, Math.min(c.limit, train.images.shape[0])) : train.images;
  const labels = c.limit > 0 ? train.labels.narrow(0, 0, images.shape[0]) : train.labels;
  const model = mnistModel(c).to(c.device);
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
  const fit = yield* trainSteps(
    {
      name: "train mnist",
      description: `${c.arch} on MNIST (${images.shape[0].toLocaleString("en-US")} training images)`,
      model,
      optimizer: opt as unknown as Optimizer,
      config: c,
      totalIters: c.epochs * loader.length,
      epochBatches: () => loader,
      loss: ([x, y]) => ({ loss: crossEntropy(model.forward(x.to(c.device)) as Tensor, y.to(c.device)) }),
      // The best model is the one with the fewest test errors.
      *evaluate() {
        const acc = yield* accuracyReads(model, test.images, test.labels);
        return { val: 1 - acc, extra: { test_accuracy: acc } };
      },
    },
    {
      schedule: { kind: "epochs", epochs: c.epochs },
      recorder: new RunRecorder(c.out_dir || null),
      nanPolicy: nanPolicy(c.nan_policy, "train mnist"),
      checkpoints: "best",
      title: `MNIST ${c.arch}`,
    },
    hooks,
  );
  const epochs = fit.evals.map((e, i) => ({
    epoch: e.epoch!,
    loss: e.train,
    testAccuracy: e.extra.test_accuracy,
    seconds: e.seconds - (i > 0 ? fit.evals[i - 1].seconds : 0),
  }));
  return { model, testAccuracy: epochs[epochs.length - 1]?.testAccuracy ?? NaN, epochs };
}
