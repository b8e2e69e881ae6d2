/**
 * The workloads with a TensorFlow.js twin, as step makers: Node (bench/tfjs-step.ts) and chromium
 * (bench/browser-tfjs.ts) time the same functions. Nothing here touches Node or the DOM.
 */
import * as tf from "@tensorflow/tfjs-core";
import { tfjsGptStep } from "./tfjs-gpt.js";
import { tfjsLstmStep } from "./tfjs-lstm.js";
import { tfjsMlpStep } from "./tfjs-mlp.js";

/** sgemm n³: a matmul of two random n×n matrices (TensorFlow.js has no preallocated output; the result is freed). */
function tfjsSgemmStep(n: number): () => void {
  const a = tf.randomNormal([n, n], 0, 1, "float32", 1);
  const b = tf.randomNormal([n, n], 0, 1, "float32", 2);
  return () => tf.matMul(a, b).dispose();
}

/** The workloads with a TensorFlow.js twin. */
export const TFJS_STEPS: Record<string, () => () => void> = {
  gpt: () => tfjsGptStep("gpt"),
  gptlarge: () => tfjsGptStep("gptlarge"),
  lstm: tfjsLstmStep,
  mlp: tfjsMlpStep,
  sgemm: () => tfjsSgemmStep(1024),
};
