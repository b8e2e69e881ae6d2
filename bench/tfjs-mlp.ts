/**
 * The MLP step of bench/mlp.ts in TensorFlow.js ops: 784-256-10 with ReLU, B128, Adam; weights stored
 * (in, out), as tfjs-layers' Dense does.
 */
import * as tf from "@tensorflow/tfjs-core";
import { crossEntropy, tfjsTrainingStep, uniform, type TfjsModel } from "./tfjs-train.js";

export function tfjsMlp(): TfjsModel {
  const w1 = uniform([784, 256], 784, "l1_weight");
  const b1 = uniform([256], 784, "l1_bias");
  const w2 = uniform([256, 10], 256, "l2_weight");
  const b2 = uniform([10], 256, "l2_bias");
  return {
    variables: [w1, b1, w2, b2],
    loss(x, y) {
      const hidden = tf.relu(tf.add(tf.matMul(x as tf.Tensor2D, w1), b1));
      return crossEntropy(tf.add(tf.matMul(hidden, w2), b2), y);
    },
  };
}

/** One Adam step per call, over 8 random batches, as bench/mlp.ts. */
export function tfjsMlpStep(): () => void {
  const batches = Array.from({ length: 8 }, (_, i) => ({
    x: tf.randomNormal([128, 784], 0, 1, "float32", i),
    y: tf.randomUniformInt([128], 0, 10, 100 + i),
  }));
  return tfjsTrainingStep(tfjsMlp(), batches, { lr: 1e-3, betas: [0.9, 0.999], weightDecay: 0 });
}
