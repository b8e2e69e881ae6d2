/** `gradstack train gru`: a GRU language model (options as `gradstack train rnn`). */
import { cellCommand } from "./train-rnn.js";

export const command = cellCommand("gru");
