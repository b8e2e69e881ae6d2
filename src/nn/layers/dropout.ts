/** Dropout, as torch.nn.Dropout. */
import type { Tensor } from "../../tensor/tensor.js";
import { Module } from "../module.js";
import { dropout } from "../functional.js";
import { pyFloat } from "./repr.js";

/**
 * While training, zeroes each element with probability p and scales the others by 1/(1-p); in eval
 * mode it returns its input. Each call takes its mask's key from the default generator (so `gs.manualSeed`
 * fixes it) and draws the mask on the input's device (ops/dropout.ts).
 * @example
 * const drop = new gs.nn.Dropout(0.1);
 * model.eval(); // drop.forward(x) === x
 */
export class Dropout extends Module {
  readonly p: number;

  constructor(p = 0.5, ...rest: unknown[]) {
    super();
    if (rest.length > 0)
      throw new TypeError(
        "Dropout: takes only p (PyTorch's inplace is not supported: every op returns a new tensor)",
      );
    if (typeof p !== "number" || !(p >= 0 && p <= 1))
      throw new RangeError(`Dropout: p must be a probability in [0, 1], got ${String(p)}`);
    this.p = p;
  }

  override forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training);
  }

  override extraRepr(): string {
    return `p=${pyFloat(this.p)}, inplace=False`;
  }
}
