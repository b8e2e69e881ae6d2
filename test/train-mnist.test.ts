// d2l's MNIST classifiers on the shipped data: a short run already beats chance by far.
import { test } from "node:test";
import assert from "node:assert/strict";
import { trainMnist, mnistModel } from "../src/train/mnist.js";

test("softmax regression reaches 87% test accuracy after one epoch on 10,000 images", () => {
  const { testAccuracy } = trainMnist({
    arch: "softmax",
    epochs: 1,
    limit: 10000,
    optimizer: "sgd",
    lr: 0.1,
  });
  assert.ok(testAccuracy > 0.87, `accuracy ${testAccuracy}`);
});

test("the MLP has PyTorch's parameter names and counts, and bad options are errors", () => {
  const mlp = mnistModel({ arch: "mlp", hidden: 256, dropout: 0.2 });
  assert.deepEqual(Object.keys(mlp.stateDict()), ["1.weight", "1.bias", "4.weight", "4.bias"]);
  assert.equal(mlp.numParameters(), 784 * 256 + 256 + 256 * 10 + 10);
  assert.throws(
    () => mnistModel({ arch: "cnn", hidden: 1, dropout: 0 }),
    /arch must be "softmax" or "mlp", got "cnn"/,
  );
  assert.throws(() => trainMnist({ optimizer: "rmsprop", epochs: 0 }), /optimizer must be "sgd" or "adam"/);
});
