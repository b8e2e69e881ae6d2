/** `gradstack train mnist --arch softmax|mlp [--epochs N ...]`: d2l's MNIST classifiers on the shipped data. */
import { formatConfig, resolveConfig } from "../config.js";
import { trainProgress } from "./train-progress.js";
import { MNIST_DEFAULTS, trainMnist } from "../../train/mnist.js";

export function run(argv: string[]): void {
  const { config, rest } = resolveConfig(MNIST_DEFAULTS, argv);
  if (rest.length > 0)
    throw new Error(`train mnist: unexpected argument "${rest[0]}" (options are --key=value)`);
  console.log(formatConfig(config));
  const { testAccuracy } = trainMnist(
    config,
    trainProgress({
      bar: "epoch",
      epochs: config.epochs,
      evalLine: ({ epoch, train, extra, seconds }) =>
        `epoch ${epoch}: train loss ${train.toFixed(4)}, test accuracy ${(extra.test_accuracy * 100).toFixed(2)}% (${seconds.toFixed(1)} s)`,
    }),
  );
  console.log(`final test accuracy ${(testAccuracy * 100).toFixed(2)}%`);
}
