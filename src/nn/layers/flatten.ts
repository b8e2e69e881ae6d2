/** Flatten, as torch.nn.Flatten. */
import type { Tensor } from "../../tensor/tensor.js";
import { Module } from "../module.js";

/**
 * Flattens dims startDim..endDim into one (by default all but the batch dim).
 * @example new gs.nn.Flatten().forward(gs.zeros([32, 1, 28, 28])) // [32, 784]
 */
export class Flatten extends Module {
  readonly startDim: number;
  readonly endDim: number;

  constructor(startDim = 1, endDim = -1) {
    super();
    for (const [name, d] of [
      ["startDim", startDim],
      ["endDim", endDim],
    ] as const)
      if (!Number.isInteger(d)) throw new TypeError(`Flatten: ${name} must be an integer, got ${String(d)}`);
    this.startDim = startDim;
    this.endDim = endDim;
  }

  override forward(x: Tensor): Tensor {
    return x.flatten(this.startDim, this.endDim);
  }

  override extraRepr(): string {
    return `start_dim=${this.startDim}, end_dim=${this.endDim}`;
  }
}
