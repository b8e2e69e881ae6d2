/** `gradstack train mnist --arch softmax|mlp [--epochs N ...]`: d2l's MNIST classifiers on the shipped data. */
import { formatConfig, resolveConfig } from "../config.js";
import { ProgressBar } from "../progress.js";
import { MNIST_DEFAULTS, trainMnist } from "../../train/mnist.js";

export function run(argv: string[]): void {
  const { config, rest } = resolveConfig(MNIST_DEFAULTS, argv);
  if (rest.length > 0)
    throw new Error(`train mnist: unexpected argument "${rest[0]}" (options are --key=value)`);
  console.log(formatConfig(config));
  let bar: ProgressBar | null = null;
  const { testAccuracy } = trainMnist(config, {
    onBatch: (done, total, loss) => {
      if (done === 1) bar = new ProgressBar(total, { label: "epoch" });
      bar?.update(done, { loss });
    },
    onEpoch: ({ epoch, loss, testAccuracy: acc, seconds }) => {
      bar?.done({ loss });
      console.log(
        `epoch ${epoch}: train loss ${loss.toFixed(4)}, test accuracy ${(acc * 100).toFixed(2)}% (${seconds.toFixed(1)} s)`,
      );
    },
  });
  console.log(`final test accuracy ${(testAccuracy * 100).toFixed(2)}%`);
}
