/** Activation layers, as torch.nn.ReLU, GELU, Tanh, Sigmoid, SiLU, Softmax and LogSoftmax. */
import type { Tensor } from "../../tensor/tensor.js";
import { Module } from "../module.js";
import * as F from "../functional.js";
import { positionalOptions } from "../../util/options.js";

/** The parameterless activations take no arguments; PyTorch's inplace has no meaning here. */
function noArguments(where: string, args: readonly unknown[]): void {
  if (args.length > 0)
    throw new TypeError(
      `${where}: takes no arguments (PyTorch's inplace is not supported: every op returns a new tensor)`,
    );
}

/** max(x, 0) elementwise. */
export class ReLU extends Module {
  constructor(...args: []) {
    super();
    noArguments("ReLU", args);
  }

  override forward(x: Tensor): Tensor {
    return F.relu(x);
  }
}

/** tanh(x) elementwise. */
export class Tanh extends Module {
  constructor(...args: []) {
    super();
    noArguments("Tanh", args);
  }

  override forward(x: Tensor): Tensor {
    return F.tanh(x);
  }
}

/** 1 / (1 + e^-x) elementwise. */
export class Sigmoid extends Module {
  constructor(...args: []) {
    super();
    noArguments("Sigmoid", args);
  }

  override forward(x: Tensor): Tensor {
    return F.sigmoid(x);
  }
}

/** x · sigmoid(x) elementwise (also called swish). */
export class SiLU extends Module {
  constructor(...args: []) {
    super();
    noArguments("SiLU", args);
  }

  override forward(x: Tensor): Tensor {
    return F.silu(x);
  }
}

/**
 * x · Φ(x), or its tanh approximation with `approximate: "tanh"` (GPT-2's).
 * @example new gs.nn.GELU({ approximate: "tanh" })
 */
export class GELU extends Module {
  readonly approximate: "none" | "tanh";

  /** `new GELU({ approximate: "tanh" })`, or PyTorch's positional `new GELU("tanh")`. */
  constructor(...rest: [opts?: { approximate?: "none" | "tanh" }] | [approximate: "none" | "tanh"]) {
    super();
    const opts = positionalOptions<{ approximate?: "none" | "tanh" }>(
      "GELU",
      rest,
      ["approximate"],
      ["approximate"],
    );
    const approximate = opts.approximate ?? "none";
    if (approximate !== "none" && approximate !== "tanh")
      throw new TypeError(`GELU: approximate must be "none" or "tanh", got ${JSON.stringify(approximate)}`);
    this.approximate = approximate;
  }

  override forward(x: Tensor): Tensor {
    return F.gelu(x, { approximate: this.approximate });
  }

  override extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}

function checkDim(where: string, dim: unknown): number {
  if (typeof dim !== "number" || !Number.isInteger(dim))
    throw new TypeError(`${where}: dim must be an integer, got ${String(dim)}`);
  return dim;
}

/**
 * Softmax along `dim`: exp(x) / Σ exp(x), each slice summing to 1.
 * @example new gs.nn.Softmax(-1).forward(logits)
 */
export class Softmax extends Module {
  readonly dim: number;

  constructor(dim: number) {
    super();
    this.dim = checkDim("Softmax", dim);
  }

  override forward(x: Tensor): Tensor {
    return F.softmax(x, this.dim);
  }

  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** log(softmax(x)) along `dim`, computed stably. */
export class LogSoftmax extends Module {
  readonly dim: number;

  constructor(dim: number) {
    super();
    this.dim = checkDim("LogSoftmax", dim);
  }

  override forward(x: Tensor): Tensor {
    return F.logSoftmax(x, this.dim);
  }

  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}
