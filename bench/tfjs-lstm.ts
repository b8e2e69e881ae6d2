/**
 * The char-LSTM step of bench/lstm.ts in TensorFlow.js ops: Embedding(65, 64), LSTM(64, 256) with
 * PyTorch's gate order (i, f, g, o) and two biases, Linear(256, 65), B32 T64, Adam. The input projection
 * of all steps is one matmul, as PyTorch's and gradstack's LSTMs do. Weights are stored (in, out), as
 * tfjs-layers does (TensorFlow.js's wasm matmul is slow with a transposed operand).
 */
import * as tf from "@tensorflow/tfjs-core";
import { crossEntropy, embed, normal, tfjsTrainingStep, uniform, type TfjsModel } from "./tfjs-train.js";

const [B, T, V, E, H] = [32, 64, 65, 64, 256];

export function tfjsLstm(): TfjsModel {
  const embedding = normal([V, E], 1, "embedding");
  const wIh = uniform([E, 4 * H], H, "weight_ih_l0");
  const wHh = uniform([H, 4 * H], H, "weight_hh_l0");
  const bIh = uniform([4 * H], H, "bias_ih_l0");
  const bHh = uniform([4 * H], H, "bias_hh_l0");
  const head = uniform([H, V], H, "lm_head_weight");
  const headBias = uniform([V], H, "lm_head_bias");
  return {
    variables: [embedding, wIh, wHh, bIh, bHh, head, headBias],
    loss(x, y) {
      const emb = embed(embedding, x); // (B·T, E)
      const inputs = tf.reshape(tf.add(tf.matMul(emb, wIh), tf.add(bIh, bHh)), [B, T, 4 * H]);
      const steps = tf.unstack(inputs, 1) as tf.Tensor2D[]; // T × (B, 4H)
      let h: tf.Tensor2D = tf.zeros([B, H]);
      let c: tf.Tensor2D = tf.zeros([B, H]);
      const hs: tf.Tensor2D[] = [];
      for (const step of steps) {
        const gates = tf.add(step, tf.matMul(h, wHh));
        const [i, f, g, o] = tf.split(gates, 4, 1);
        c = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(g)));
        h = tf.mul(tf.sigmoid(o), tf.tanh(c));
        hs.push(h);
      }
      const out = tf.reshape(tf.stack(hs, 1), [B * T, H]); // (B·T, H), batch-major as the targets
      return crossEntropy(tf.add(tf.matMul(out, head), headBias), y);
    },
  };
}

/** One Adam step per call, over 8 random batches, as bench/lstm.ts. */
export function tfjsLstmStep(): () => void {
  const batches = Array.from({ length: 8 }, (_, i) => ({
    x: tf.randomUniformInt([B, T], 0, V, i),
    y: tf.randomUniformInt([B, T], 0, V, 100 + i),
  }));
  return tfjsTrainingStep(tfjsLstm(), batches, { lr: 1e-3, betas: [0.9, 0.999], weightDecay: 0 });
}
