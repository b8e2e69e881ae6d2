/** `gradstack train lstm`: an LSTM language model (options as `gradstack train rnn`). */
import { runCell } from "./train-rnn.js";

export function run(argv: string[]): void {
  runCell("lstm", argv);
}
