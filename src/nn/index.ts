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
export { RNNBase, RNN, LSTM, GRU, type RNNOptions, type RecurrentForwardOptions } from "./layers/rnn.js";
export { RNNCellBase, RNNCell, LSTMCell, GRUCell } from "./layers/rnn-cells.js";
export * from "./layers/attention.js";
export * from "./layers/transformer.js";
export * from "./layers/positional.js";
