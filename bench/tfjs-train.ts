/**
 * The training-step plumbing of the TensorFlow.js twins (bench/tfjs-*.ts): named variables, PyTorch's
 * initialisations, and one step (loss, gradients, Adam or AdamW) over a ring of batches. TensorFlow.js
 * has no AdamW: the decoupled decay is PyTorch's `p *= 1 - lr·wd` on the 2-D weights before Adam's update.
 */
import * as tf from "@tensorflow/tfjs-core";

export interface TfjsModel {
  /** Every trainable variable, by a unique name. */
  variables: tf.Variable[];
  /** The mean cross-entropy of a batch. */
  loss(x: tf.Tensor, y: tf.Tensor): tf.Scalar;
}

let counter = 0;

/** A trainable variable with a name of its own (the optimizer keys its state by name). */
export function variable(init: tf.Tensor, label: string): tf.Variable {
  return tf.variable(init, true, `${label}_${counter++}`);
}

/** N(0, std²), as nn.init.normal_. */
export function normal(shape: number[], std: number, label: string): tf.Variable {
  return variable(tf.randomNormal(shape, 0, std, "float32", counter + 1), label);
}

/** U(-1/√fanIn, 1/√fanIn), PyTorch's default for Linear, LSTM and their biases. */
export function uniform(shape: number[], fanIn: number, label: string): tf.Variable {
  const bound = 1 / Math.sqrt(fanIn);
  return variable(tf.randomUniform(shape, -bound, bound, "float32", counter + 1), label);
}

/**
 * An embedding lookup as one-hot rows times the table: the wasm backend lacks UnsortedSegmentSum,
 * the gradient of `gather`. It adds 2·N·V·C FLOPs a pass (about 1% of the GPT step).
 */
export function embed(table: tf.Tensor, idx: tf.Tensor): tf.Tensor2D {
  return tf.matMul(tf.oneHot(tf.cast(tf.reshape(idx, [-1]), "int32"), table.shape[0]), table as tf.Tensor2D);
}

/** The mean cross-entropy of logits (N, V) against integer targets (N). */
export function crossEntropy(logits: tf.Tensor2D, targets: tf.Tensor): tf.Scalar {
  const oneHot = tf.oneHot(tf.cast(tf.reshape(targets, [-1]), "int32"), logits.shape[1]);
  return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), 1))) as tf.Scalar;
}

export function parameterCount(model: TfjsModel): number {
  return model.variables.reduce((n, v) => n + v.size, 0);
}

export interface OptimizerSettings {
  lr: number;
  betas: [number, number];
  /** AdamW's decoupled decay on the 2-D variables (0: plain Adam). */
  weightDecay: number;
}

/** One training step per call over the batches in turn: loss, gradients, (decay,) Adam. */
export function tfjsTrainingStep(
  model: TfjsModel,
  batches: { x: tf.Tensor; y: tf.Tensor }[],
  o: OptimizerSettings,
): () => void {
  const adam = tf.train.adam(o.lr, o.betas[0], o.betas[1], 1e-8);
  const decayed = o.weightDecay > 0 ? model.variables.filter((v) => v.rank >= 2) : [];
  let i = 0;
  return () => {
    const { x, y } = batches[i++ % batches.length];
    const { value, grads } = tf.variableGrads(() => model.loss(x, y), model.variables);
    tf.tidy(() => {
      for (const v of decayed) v.assign(tf.mul(v, 1 - o.lr * o.weightDecay));
    });
    adam.applyGradients(grads as tf.NamedTensorMap as Record<string, tf.Variable>);
    value.dispose();
    tf.dispose(grads);
  };
}
