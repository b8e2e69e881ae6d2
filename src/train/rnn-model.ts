/** The recurrent language model a training config asks for (names and text runs share these options). */
import { RNNLanguageModel } from "../models/rnn-lm.js";

export interface RNNOptions {
  /** "rnn", "lstm" or "gru". */
  cell: string;
  embed_dim: number;
  hidden_size: number;
  num_layers: number;
  dropout: number;
}

export function rnnModel(c: RNNOptions, vocabSize: number): RNNLanguageModel {
  return new RNNLanguageModel({
    cell: c.cell as "rnn" | "lstm" | "gru",
    vocabSize,
    embedDim: c.embed_dim,
    hiddenSize: c.hidden_size,
    numLayers: c.num_layers,
    dropout: c.dropout,
  });
}
