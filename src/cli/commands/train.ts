/** `gradstack train <model> [--config FILE] [--key=value ...]`: one trainer per model family. */
import { defineGroup } from "../command.js";

export const command = defineGroup({
  name: "train",
  summary: "train a model: gradstack train gpt [--config FILE] [--key=value ...]",
  member: "model",
  commands: {
    gpt: () => import("./train-gpt.js"),
    bigram: () => import("./train-bigram.js"),
    mlp: () => import("./train-mlp.js"),
    rnn: () => import("./train-rnn.js"),
    lstm: () => import("./train-lstm.js"),
    gru: () => import("./train-gru.js"),
    translate: () => import("./train-translate.js"),
    mnist: () => import("./train-mnist.js"),
    retrieval: () => import("./train-retrieval.js"),
  },
});
