/**
 * Which storages each kernel of the native table writes, by position among the storages its module
 * call gets (native-pack.ts: in argument order, a View's storage in its place). When a call stages
 * arrays that live outside wasm memory (staging.ts), only buffers holding one of these are copied
 * back afterwards: a kernel's inputs, often most of the bytes staged, are copied in only. A kernel
 * not listed here (the list kernels, whose positions vary with the lists, and the recurrent ones)
 * has every staged buffer copied back.
 */
import type { KernelName } from "../types.js";

export const WRITTEN_STORAGES: Partial<Record<KernelName, readonly number[]>> = {
  unary: [1],
  binary: [2],
  where: [3],
  copy: [1],
  cast: [1],
  reduce: [1],
  argReduce: [1],
  matmul: [2],
  matmulBias: [3],
  indexSelect: [2],
  indexAdd: [0],
  gather: [2],
  scatterAdd: [0],
  softmax: [1],
  layerNorm: [3, 4, 5],
  layerNormBackward: [5, 6, 7],
  crossEntropy: [2, 3],
  crossEntropyBackward: [3],
  gelu: [1],
  geluBackward: [2],
  reluBackward: [2],
  causalAttention: [1, 2],
  causalAttentionBackward: [4],
  dropout: [1],
  // p, g, m, v, vmax: the gradient is read only.
  adamStep: [0, 2, 3, 4],
};
