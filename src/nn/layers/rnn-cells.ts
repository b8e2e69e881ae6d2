/**
 * Single-step recurrent cells, as torch.nn.RNNCell, LSTMCell and GRUCell: parameters weight_ih,
 * weight_hh, bias_ih, bias_hh with PyTorch's shapes, gate order and initialisation. A step runs the same
 * fused op as the multi-layer modules, over a sequence of length one.
 */
import { Tensor } from "../../tensor/tensor.js";
import { zeros } from "../../tensor/create.js";
import { checkAllocation, fmtShape } from "../../tensor/shape.js";
import { GATES, recurrentLayer, type RecurrentMode } from "../../ops/fused/recurrent.js";
import { Module } from "../module.js";
import { Parameter } from "../parameter.js";
import { uniform_ } from "../init.js";
import { pyBool } from "./repr.js";
import { checkFlag, checkSize } from "./validate.js";
import { positionalOptions } from "../../util/options.js";

export abstract class RNNCellBase extends Module {
  readonly mode: RecurrentMode;
  readonly inputSize: number;
  readonly hiddenSize: number;
  weight_ih: Parameter;
  weight_hh: Parameter;
  bias_ih: Parameter | null;
  bias_hh: Parameter | null;

  constructor(mode: RecurrentMode, inputSize: number, hiddenSize: number, opts: { bias?: boolean }) {
    super();
    const where = this.constructor.name;
    this.mode = mode;
    this.inputSize = checkSize(where, "inputSize", inputSize);
    this.hiddenSize = checkSize(where, "hiddenSize", hiddenSize);
    if (hiddenSize < 1) throw new RangeError(`${where}: hiddenSize must be positive, got ${hiddenSize}`);
    const G = GATES[mode] * hiddenSize;
    checkAllocation([G, Math.max(inputSize, hiddenSize)], where);
    this.weight_ih = new Parameter(Tensor.empty([G, inputSize]));
    this.weight_hh = new Parameter(Tensor.empty([G, hiddenSize]));
    const bias = checkFlag(where, "bias", opts.bias ?? true);
    this.bias_ih = bias ? new Parameter(Tensor.empty([G])) : null;
    this.bias_hh = bias ? new Parameter(Tensor.empty([G])) : null;
    this.resetParameters();
  }

  /** Every parameter drawn from U(-1/√hiddenSize, 1/√hiddenSize), as PyTorch. */
  resetParameters(): void {
    const bound = 1 / Math.sqrt(this.hiddenSize);
    for (const p of this.parameters()) uniform_(p, -bound, bound);
  }

  /** Checks x ((B, I) or (I)) and a state ((B, H) or (H)); returns them batched. */
  protected batched(x: Tensor, states: (Tensor | null | undefined)[], names: string[]) {
    const where = `${this.constructor.name}.forward`;
    if (!(x instanceof Tensor)) throw new TypeError(`${where}: input must be a Tensor, got ${typeof x}`);
    if (x.dtype !== "float32" && x.dtype !== "float64")
      throw new TypeError(`${where}: input must be float32 or float64, got ${x.dtype}`);
    if ((x.ndim !== 1 && x.ndim !== 2) || x.shape[x.ndim - 1] !== this.inputSize)
      throw new RangeError(
        `${where}: input must have shape (batch, ${this.inputSize}) or (${this.inputSize}), got ${fmtShape(x.shape)}`,
      );
    const isBatched = x.ndim === 2;
    const xb = isBatched ? x : x.unsqueeze(0);
    const B = xb.shape[0];
    const want = isBatched ? [B, this.hiddenSize] : [this.hiddenSize];
    const out = states.map((s, i) => {
      if (s === null || s === undefined)
        return zeros([B, this.hiddenSize], { dtype: x.dtype, device: x.device });
      if (!(s instanceof Tensor) || s.ndim !== want.length || s.shape.some((n, d) => n !== want[d]))
        throw new RangeError(
          `${where}: expected ${names[i]} of shape ${fmtShape(want)} for an input of shape ${fmtShape(x.shape)}, got ${s instanceof Tensor ? fmtShape(s.shape) : typeof s}`,
        );
      if (s.dtype !== x.dtype)
        throw new TypeError(`${where}: ${names[i]} is ${s.dtype} but the input is ${x.dtype}`);
      return isBatched ? s : s.unsqueeze(0);
    });
    return { xb, states: out, isBatched };
  }

  /** One step on batched tensors: (h, c) -> (h', c'). */
  protected step(x: Tensor, h: Tensor, c: Tensor | null): { h: Tensor; c: Tensor | null } {
    const xs = x.unsqueeze(0); // a sequence of one step: (1, B, I)
    const r = recurrentLayer(this.mode, xs, this.weight_ih, this.weight_hh, this.bias_ih, this.bias_hh, h, c);
    return { h: r.hN, c: r.cN };
  }

  override extraRepr(): string {
    let s = `${this.inputSize}, ${this.hiddenSize}`;
    if (this.bias_ih === null) s += `, bias=${pyBool(false)}`;
    if (this.mode === "rnn_relu") s += ", nonlinearity=relu";
    return s;
  }
}

/**
 * One Elman RNN step, h' = tanh(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh) (or ReLU), as torch.nn.RNNCell.
 * @example
 * const cell = new gs.nn.RNNCell(10, 20);
 * let h = cell.forward(gs.randn([3, 10])); // [3, 20]
 * h = cell.forward(gs.randn([3, 10]), h);
 */
export class RNNCell extends RNNCellBase {
  /** Options as an object, or PyTorch's positional (bias, nonlinearity). */
  constructor(
    inputSize: number,
    hiddenSize: number,
    ...rest:
      | [opts?: { bias?: boolean; nonlinearity?: "tanh" | "relu" }]
      | [bias?: boolean, nonlinearity?: "tanh" | "relu"]
  ) {
    const keys = ["bias", "nonlinearity"] as const;
    const opts = positionalOptions<{ bias?: boolean; nonlinearity?: "tanh" | "relu" }>(
      "RNNCell",
      rest,
      keys,
      keys,
    );
    const nl = opts.nonlinearity ?? "tanh";
    if (nl !== "tanh" && nl !== "relu")
      throw new RangeError(`RNNCell: nonlinearity must be "tanh" or "relu", got ${JSON.stringify(nl)}`);
    super(nl === "tanh" ? "rnn_tanh" : "rnn_relu", inputSize, hiddenSize, opts);
  }

  override forward(x: Tensor, h?: Tensor | null): Tensor {
    const { xb, states, isBatched } = this.batched(x, [h], ["hx"]);
    const out = this.step(xb, states[0], null).h;
    return isBatched ? out : out.squeeze(0);
  }
}

/**
 * One LSTM step, as torch.nn.LSTMCell: [h', c'] from x and [h, c] (zeros when omitted).
 * @example
 * const cell = new gs.nn.LSTMCell(10, 20);
 * const [h, c] = cell.forward(gs.randn([3, 10])); // each [3, 20]
 */
export class LSTMCell extends RNNCellBase {
  constructor(
    inputSize: number,
    hiddenSize: number,
    ...rest: [opts?: { bias?: boolean }] | [bias?: boolean]
  ) {
    super("lstm", inputSize, hiddenSize, positionalOptions("LSTMCell", rest, ["bias"], ["bias"]));
  }

  override forward(x: Tensor, hx?: readonly [Tensor, Tensor] | null): [Tensor, Tensor] {
    if (hx !== null && hx !== undefined && (!Array.isArray(hx) || hx.length !== 2))
      throw new TypeError("LSTMCell.forward: the state must be a pair [h, c]");
    const { xb, states, isBatched } = this.batched(x, [hx?.[0], hx?.[1]], ["h", "c"]);
    const r = this.step(xb, states[0], states[1]);
    return isBatched ? [r.h, r.c!] : [r.h.squeeze(0), r.c!.squeeze(0)];
  }
}

/**
 * One GRU step, as torch.nn.GRUCell.
 * @example
 * const cell = new gs.nn.GRUCell(10, 20);
 * const h = cell.forward(gs.randn([3, 10])); // [3, 20]
 */
export class GRUCell extends RNNCellBase {
  constructor(
    inputSize: number,
    hiddenSize: number,
    ...rest: [opts?: { bias?: boolean }] | [bias?: boolean]
  ) {
    super("gru", inputSize, hiddenSize, positionalOptions("GRUCell", rest, ["bias"], ["bias"]));
  }

  override forward(x: Tensor, h?: Tensor | null): Tensor {
    const { xb, states, isBatched } = this.batched(x, [h], ["hx"]);
    const out = this.step(xb, states[0], null).h;
    return isBatched ? out : out.squeeze(0);
  }
}
