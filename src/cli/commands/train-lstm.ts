/** `gradstack train lstm`: an LSTM language model (options as `gradstack train rnn`). */
import { cellCommand } from "./train-rnn.js";

export const command = cellCommand("lstm");
