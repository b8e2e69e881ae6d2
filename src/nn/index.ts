/** gs.nn: layers, losses and initialisers. */
export * as functional from "./functional.js";
export * as utils from "./utils.js";
export * as init from "./init.js";
export { Parameter } from "./parameter.js";
export { Module, type StateDict, type LoadStateDictResult } from "./module.js";
export { Sequential, ModuleList, ModuleDict } from "./containers.js";
export { Linear, Identity } from "./layers/linear.js";
export { Embedding, type EmbeddingOptions } from "./layers/embedding.js";
export { LayerNorm, type LayerNormOptions } from "./layers/layernorm.js";
export { Dropout } from "./layers/dropout.js";
export { ReLU, GELU, Tanh, Sigmoid, SiLU, Softmax, LogSoftmax } from "./layers/activations.js";
export { Flatten } from "./layers/flatten.js";
