/** `gradstack train mnist --arch softmax|mlp [--epochs N ...]`: d2l's MNIST classifiers on the shipped data. */
import { defineCommand } from "../command.js";
import { COUNT, DROPOUT, NON_NEGATIVE, PROBABILITY, TRAIN_RULES } from "../option-rules.js";
import { NAN_POLICY_HELP } from "../../train/health.js";
import { trainProgress } from "./train-progress.js";
import { MNIST_DEFAULTS, trainMnistAsync } from "../../train/mnist.js";
import { DEVICE_HELP, DEVICE_RULE, openDevice } from "../device-option.js";

export const command = defineCommand({
  name: "train mnist",
  summary: "softmax regression or an MLP on MNIST (d2l 3-5)",
  defaults: MNIST_DEFAULTS,
  help: {
    arch: '"softmax" (softmax regression) or "mlp" (784-hidden-10 with dropout)',
    epochs: "passes over the training images",
    batch_size: "images per step",
    optimizer: '"sgd" or "adam"',
    lr: "learning rate",
    momentum: "sgd: momentum",
    weight_decay: "weight decay",
    hidden: "mlp: hidden units",
    dropout: "mlp: dropout probability after the hidden layer",
    seed: "random seed (initialization, shuffling, dropout)",
    limit: "train on the first this many images (0: all 60,000)",
    data_dir: 'folder of the MNIST IDX files ("": the shipped ones)',
    out_dir: 'folder of metrics.jsonl, the best checkpoint and loss.svg ("": none written)',
    nan_policy: NAN_POLICY_HELP,
    device: DEVICE_HELP,
  },
  rules: {
    ...TRAIN_RULES,
    arch: { oneOf: ["softmax", "mlp"] },
    epochs: COUNT,
    batch_size: COUNT,
    optimizer: { oneOf: ["sgd", "adam"] },
    lr: NON_NEGATIVE,
    momentum: PROBABILITY,
    weight_decay: NON_NEGATIVE,
    hidden: COUNT,
    dropout: DROPOUT,
    limit: { int: true, min: 0, max: 60000 },
    device: DEVICE_RULE,
  },
  printConfig: true,
  async run(config, { progress }) {
    await openDevice(config.device);
    const { testAccuracy } = await trainMnistAsync(
      config,
      trainProgress(progress, {
        bar: "epoch",
        epochs: config.epochs,
        evalLine: ({ epoch, train, extra, seconds }) =>
          `epoch ${epoch}: train loss ${train.toFixed(4)}, test accuracy ${(extra.test_accuracy * 100).toFixed(2)}% (${seconds.toFixed(1)} s)`,
      }),
    );
    console.log(`final test accuracy ${(testAccuracy * 100).toFixed(2)}%`);
  },
});
