/**
 * Multi-layer recurrent layers, as torch.nn.RNN, torch.nn.LSTM and torch.nn.GRU: the same parameter
 * names (weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, ..._reverse), shapes, gate order (LSTM
 * i,f,g,o; GRU r,z,n) and initialisation, so weights move to and from PyTorch key by key.
 * Each layer and direction runs as one fused op (ops/fused/recurrent.ts): the input projection of all steps
 * is one GEMM, then per step one recurrent GEMM and one pass over the gates.
 */
import { Tensor } from "../../tensor/tensor.js";
import { zeros } from "../../tensor/create.js";
import { checkAllocation, fmtShape } from "../../tensor/shape.js";
import { cat, stack } from "../../ops/indexing.js";
import { GATES, recurrentLayer, type RecurrentMode } from "../../ops/fused/recurrent.js";
import { Module } from "../module.js";
import { Parameter } from "../parameter.js";
import { dropout as dropoutFn } from "../functional.js";
import { uniform_ } from "../init.js";
import { pyBool, pyFloat } from "./repr.js";
import { checkFlag, checkProbability, checkSize } from "./validate.js";
import { optionsOf, positionalOptions } from "../../util/options.js";

const RNN_KEYS = ["numLayers", "bias", "batchFirst", "dropout", "bidirectional"] as const;
/** PyTorch's positional order of nn.LSTM and nn.GRU after (inputSize, hiddenSize). */
type RNNPositional = [
  numLayers?: number,
  bias?: boolean,
  batchFirst?: boolean,
  dropout?: number,
  bidirectional?: boolean,
];

export interface RNNOptions {
  /** Stacked layers; each takes the previous layer's output sequence. Default 1. */
  numLayers?: number;
  /** Add bias_ih and bias_hh. Default true. */
  bias?: boolean;
  /** Input and output are (batch, seq, feature) instead of (seq, batch, feature). States are not affected. */
  batchFirst?: boolean;
  /** Dropout on the outputs of every layer but the last, while training. Default 0. */
  dropout?: number;
  /** Also run each layer from the last step to the first and concatenate both outputs. Default false. */
  bidirectional?: boolean;
}

export interface RNNTanhReluOptions extends RNNOptions {
  /** The cell nonlinearity of nn.RNN. Default "tanh". */
  nonlinearity?: "tanh" | "relu";
}

/** Per-sequence lengths for a padded batch: an int array, or an int32 tensor of shape (B). */
export type Lengths = readonly number[] | Int32Array | Tensor;

export interface RecurrentForwardOptions {
  /**
   * The true length of each sequence of a padded batch (like a packed sequence): steps t >= lengths[b]
   * leave sequence b's state unchanged and give zero outputs, so hN (and cN) is the state after its last
   * real step, and the reverse direction starts at its last real step.
   */
  lengths?: Lengths | null;
}

interface RecurrentState {
  output: Tensor;
  hN: Tensor;
  cN: Tensor | null;
}

/**
 * The common part of RNN, LSTM and GRU: parameters per layer and direction, input checks, and the loop
 * over layers and directions.
 */
export abstract class RNNBase extends Module {
  /** The parameters under PyTorch's names: weight_ih_l0, weight_hh_l0, bias_ih_l0, ..., weight_ih_l1_reverse. */
  [name: `weight_${string}` | `bias_${string}`]: Parameter;
  readonly mode: RecurrentMode;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;

  constructor(mode: RecurrentMode, inputSize: number, hiddenSize: number, opts: RNNOptions) {
    super();
    const where = this.constructor.name;
    this.mode = mode;
    this.inputSize = checkSize(where, "inputSize", inputSize);
    this.hiddenSize = checkSize(where, "hiddenSize", hiddenSize);
    if (hiddenSize < 1) throw new RangeError(`${where}: hiddenSize must be positive, got ${hiddenSize}`);
    this.numLayers = checkSize(where, "numLayers", opts.numLayers ?? 1);
    if (this.numLayers < 1)
      throw new RangeError(`${where}: numLayers must be at least 1, got ${this.numLayers}`);
    this.bias = checkFlag(where, "bias", opts.bias ?? true);
    this.batchFirst = checkFlag(where, "batchFirst", opts.batchFirst ?? false);
    this.bidirectional = checkFlag(where, "bidirectional", opts.bidirectional ?? false);
    this.dropout = checkProbability(where, "dropout", opts.dropout ?? 0);
    const G = GATES[mode] * hiddenSize;
    const D = this.numDirections;
    checkAllocation([G, Math.max(inputSize, hiddenSize * D)], where);
    for (let layer = 0; layer < this.numLayers; layer++) {
      for (let dir = 0; dir < D; dir++) {
        const sfx = `_l${layer}${dir === 1 ? "_reverse" : ""}`;
        const inF = layer === 0 ? inputSize : hiddenSize * D;
        this.registerParameter(`weight_ih${sfx}`, new Parameter(Tensor.empty([G, inF])));
        this.registerParameter(`weight_hh${sfx}`, new Parameter(Tensor.empty([G, hiddenSize])));
        if (this.bias) {
          this.registerParameter(`bias_ih${sfx}`, new Parameter(Tensor.empty([G])));
          this.registerParameter(`bias_hh${sfx}`, new Parameter(Tensor.empty([G])));
        }
      }
    }
    this.resetParameters();
  }

  get numDirections(): number {
    return this.bidirectional ? 2 : 1;
  }

  /** Every parameter drawn from U(-1/√hiddenSize, 1/√hiddenSize), as PyTorch. */
  resetParameters(): void {
    const bound = 1 / Math.sqrt(this.hiddenSize);
    for (const p of this.parameters()) uniform_(p, -bound, bound);
  }

  /** [weight_ih, weight_hh, bias_ih, bias_hh] of one layer and direction (biases null without bias). */
  weightsOf(layer: number, direction: number): [Tensor, Tensor, Tensor | null, Tensor | null] {
    const sfx = `_l${layer}${direction === 1 ? "_reverse" : ""}`;
    const get = (name: string) => (Reflect.get(this, name) as Tensor | undefined) ?? null;
    return [get(`weight_ih${sfx}`)!, get(`weight_hh${sfx}`)!, get(`bias_ih${sfx}`), get(`bias_hh${sfx}`)];
  }

  /** Validates the input and returns it as (T, B, I), with whether it had a batch dim. */
  protected timeMajor(x: Tensor): { xt: Tensor; batched: boolean } {
    const where = `${this.constructor.name}.forward`;
    if (!(x instanceof Tensor)) throw new TypeError(`${where}: input must be a Tensor, got ${typeof x}`);
    if (x.dtype !== "float32" && x.dtype !== "float64")
      throw new TypeError(
        `${where}: input must be float32 or float64, got ${x.dtype}${x.dtype === "int32" ? " (token ids need an nn.Embedding first)" : ""}`,
      );
    if (x.ndim !== 2 && x.ndim !== 3)
      throw new RangeError(
        `${where}: input must be 3-d ${this.batchFirst ? "(batch, seq, feature)" : "(seq, batch, feature)"} or 2-d (seq, feature), got shape ${fmtShape(x.shape)}`,
      );
    const I = x.shape[x.ndim - 1];
    if (I !== this.inputSize)
      throw new RangeError(
        `${where}: input.size(-1) must be equal to input_size. Expected ${this.inputSize}, got ${I} (input shape ${fmtShape(x.shape)})`,
      );
    const batched = x.ndim === 3;
    // Time-major and contiguous, so the input projection of all steps is one plain GEMM.
    const xt = (batched ? (this.batchFirst ? x.transpose(0, 1) : x) : x.unsqueeze(1)).contiguous();
    if (xt.shape[0] === 0)
      throw new RangeError(`${where}: the input sequence is empty (shape ${fmtShape(x.shape)})`);
    return { xt, batched };
  }

  /** Hint for shape errors that look like batchFirst confusion. */
  private batchHint(): string {
    return this.batchFirst
      ? " (batchFirst is true, so the input is read as (batch, seq, feature))"
      : " (batchFirst is false, so the input is read as (seq, batch, feature); pass { batchFirst: true } for (batch, seq, feature))";
  }

  /** An initial state given by the user, checked against (numLayers·numDirections, B, H), or zeros. */
  protected initialState(
    name: string,
    given: Tensor | null | undefined,
    B: number,
    batched: boolean,
    like: Tensor,
  ): Tensor {
    const L = this.numLayers * this.numDirections;
    const H = this.hiddenSize;
    if (given === null || given === undefined) return zeros([L, B, H], { dtype: like.dtype });
    const where = `${this.constructor.name}.forward`;
    if (!(given instanceof Tensor))
      throw new TypeError(`${where}: ${name} must be a Tensor, got ${typeof given}`);
    const want = batched ? [L, B, H] : [L, H];
    if (given.ndim !== want.length || given.shape.some((s, i) => s !== want[i]))
      throw new RangeError(
        `${where}: expected ${name} of size ${fmtShape(want)} (numLayers·numDirections, ${batched ? "batch, " : ""}hiddenSize), got ${fmtShape(given.shape)}${batched ? this.batchHint() : ""}`,
      );
    if (given.dtype !== like.dtype)
      throw new TypeError(`${where}: ${name} is ${given.dtype} but the input is ${like.dtype}`);
    return batched ? given : given.unsqueeze(1);
  }

  /** Lengths as an Int32Array of B entries in [0, T]. */
  protected checkLengths(lengths: Lengths, B: number, T: number): Int32Array {
    const where = `${this.constructor.name}.forward`;
    let arr: Int32Array;
    if (lengths instanceof Tensor) {
      if (lengths.ndim !== 1 || lengths.dtype === "float32" || lengths.dtype === "float64")
        throw new TypeError(
          `${where}: lengths must be a 1-d integer tensor, got ${lengths.dtype} ${fmtShape(lengths.shape)}`,
        );
      arr = Int32Array.from(lengths.toArray());
    } else if (lengths instanceof Int32Array || Array.isArray(lengths)) {
      arr = Int32Array.from(lengths as ArrayLike<number>);
      if (
        (lengths as ArrayLike<number>).length !== arr.length ||
        !Array.from(lengths as ArrayLike<number>).every(Number.isInteger)
      )
        throw new TypeError(
          `${where}: lengths must hold integers, got [${Array.from(lengths as ArrayLike<number>).join(", ")}]`,
        );
    } else throw new TypeError(`${where}: lengths must be an array of integers or an int32 tensor`);
    if (arr.length !== B)
      throw new RangeError(
        `${where}: lengths has ${arr.length} entries but the batch has ${B} sequences${this.batchHint()}`,
      );
    arr.forEach((len, b) => {
      if (len < 0 || len > T)
        throw new RangeError(
          `${where}: lengths[${b}] = ${len} is outside [0, ${T}], the sequence length${this.batchHint()}`,
        );
    });
    return arr;
  }

  /** Runs every layer and direction; h0/c0 are (L·D, B, H) or null (zeros). */
  protected runLayers(
    x: Tensor,
    h0: Tensor | null | undefined,
    c0: Tensor | null | undefined,
    opts: RecurrentForwardOptions,
  ): RecurrentState {
    const { xt, batched } = this.timeMajor(x);
    const [T, B] = xt.shape;
    const h = this.initialState(this.mode === "lstm" ? "h_0" : "hx", h0, B, batched, x);
    const c = this.mode === "lstm" ? this.initialState("c_0", c0, B, batched, x) : null;
    optionsOf(`${this.constructor.name}.forward`, opts, ["lengths"]);
    const lengths =
      opts.lengths === null || opts.lengths === undefined ? null : this.checkLengths(opts.lengths, B, T);
    const D = this.numDirections;
    const hN: Tensor[] = [];
    const cN: Tensor[] = [];
    let input = xt; // (T, B, features)
    for (let layer = 0; layer < this.numLayers; layer++) {
      const outs: Tensor[] = [];
      for (let dir = 0; dir < D; dir++) {
        const [wIh, wHh, bIh, bHh] = this.weightsOf(layer, dir);
        const k = layer * D + dir;
        const r = recurrentLayer(
          this.mode,
          input,
          wIh,
          wHh,
          bIh,
          bHh,
          h.select(0, k),
          c ? c.select(0, k) : null,
          {
            reverse: dir === 1,
            lengths,
          },
        );
        outs.push(r.output);
        hN.push(r.hN);
        if (r.cN) cN.push(r.cN);
      }
      input = D === 2 ? cat(outs, 2) : outs[0]; // (T, B, D·H)
      if (this.dropout > 0 && this.training && layer < this.numLayers - 1)
        input = dropoutFn(input, this.dropout, true);
    }
    let output = input;
    if (lengths) {
      const mask = new Float64Array(T * B);
      for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) mask[t * B + b] = t < lengths[b] ? 1 : 0;
      output = output.mul(new Tensor(mask, [T, B, 1]).to(output.dtype));
    }
    if (!batched) output = output.squeeze(1);
    else if (this.batchFirst) output = output.transpose(0, 1);
    const finish = (states: Tensor[]) => {
      const s = stack(states, 0); // (L·D, B, H)
      return batched ? s : s.squeeze(1);
    };
    return { output, hN: finish(hN), cN: c ? finish(cN) : null };
  }

  override extraRepr(): string {
    let s = `${this.inputSize}, ${this.hiddenSize}`;
    if (this.numLayers !== 1) s += `, num_layers=${this.numLayers}`;
    if (!this.bias) s += `, bias=${pyBool(false)}`;
    if (this.batchFirst) s += `, batch_first=${pyBool(true)}`;
    if (this.dropout !== 0) s += `, dropout=${pyFloat(this.dropout)}`;
    if (this.bidirectional) s += `, bidirectional=${pyBool(true)}`;
    return s;
  }
}

/**
 * An Elman RNN, h_t = tanh(x_t·W_ihᵀ + b_ih + h_{t-1}·W_hhᵀ + b_hh) (or ReLU), as torch.nn.RNN.
 * @example
 * const rnn = new gs.nn.RNN(10, 20, { numLayers: 2 });
 * const [output, hN] = rnn.forward(gs.randn([5, 3, 10])); // output [5, 3, 20], hN [2, 3, 20]
 */
export class RNN extends RNNBase {
  readonly nonlinearity: "tanh" | "relu";

  /** Options as an object, or PyTorch's positional (numLayers, nonlinearity, bias, batchFirst, dropout, bidirectional). */
  constructor(
    inputSize: number,
    hiddenSize: number,
    ...rest:
      | [opts?: RNNTanhReluOptions]
      | [
          numLayers?: number,
          nonlinearity?: "tanh" | "relu",
          bias?: boolean,
          batchFirst?: boolean,
          dropout?: number,
          bidirectional?: boolean,
        ]
  ) {
    const [first, ...more] = RNN_KEYS;
    const order = [first, "nonlinearity", ...more] as const;
    const opts = positionalOptions<RNNTanhReluOptions>("RNN", rest, order, order);
    const nl = opts.nonlinearity ?? "tanh";
    if (nl !== "tanh" && nl !== "relu")
      throw new RangeError(`RNN: nonlinearity must be "tanh" or "relu", got ${JSON.stringify(nl)}`);
    super(nl === "tanh" ? "rnn_tanh" : "rnn_relu", inputSize, hiddenSize, opts);
    this.nonlinearity = nl;
  }

  /** x (T, B, I) (or (B, T, I) with batchFirst, or (T, I)); h0 (numLayers·D, B, H) -> [output, hN]. */
  override forward(x: Tensor, h0?: Tensor | null, opts: RecurrentForwardOptions = {}): [Tensor, Tensor] {
    const r = this.runLayers(x, h0, null, opts);
    return [r.output, r.hN];
  }
}

/**
 * Long short-term memory, as torch.nn.LSTM: gates i, f, g, o from x_t·W_ihᵀ + b_ih + h_{t-1}·W_hhᵀ + b_hh;
 * c_t = f⊙c_{t-1} + i⊙g, h_t = o⊙tanh(c_t).
 * @example
 * const lstm = new gs.nn.LSTM(64, 256, { batchFirst: true });
 * const [output, [hN, cN]] = lstm.forward(gs.randn([32, 64, 64])); // output [32, 64, 256]
 */
export class LSTM extends RNNBase {
  /** Options as an object, or PyTorch's positional (numLayers, bias, batchFirst, dropout, bidirectional). */
  constructor(inputSize: number, hiddenSize: number, ...rest: [opts?: RNNOptions] | RNNPositional) {
    super("lstm", inputSize, hiddenSize, positionalOptions<RNNOptions>("LSTM", rest, RNN_KEYS, RNN_KEYS));
  }

  /** x (T, B, I) (or (B, T, I) with batchFirst); [h0, c0] each (numLayers·D, B, H) -> [output, [hN, cN]]. */
  override forward(
    x: Tensor,
    hx?: readonly [Tensor, Tensor] | null,
    opts: RecurrentForwardOptions = {},
  ): [Tensor, [Tensor, Tensor]] {
    if (hx !== null && hx !== undefined && (!Array.isArray(hx) || hx.length !== 2))
      throw new TypeError("LSTM.forward: the initial state must be a pair [h0, c0]");
    const r = this.runLayers(x, hx?.[0], hx?.[1], opts);
    return [r.output, [r.hN, r.cN!]];
  }
}

/**
 * Gated recurrent unit, as torch.nn.GRU: r = σ(W_ir x + b_ir + W_hr h + b_hr), z likewise,
 * n = tanh(W_in x + b_in + r⊙(W_hn h + b_hn)), h_t = (1 - z)⊙n + z⊙h_{t-1}.
 * @example
 * const gru = new gs.nn.GRU(28, 32);
 * const [output, hN] = gru.forward(gs.randn([35, 4, 28])); // output [35, 4, 32], hN [1, 4, 32]
 */
export class GRU extends RNNBase {
  /** Options as an object, or PyTorch's positional (numLayers, bias, batchFirst, dropout, bidirectional). */
  constructor(inputSize: number, hiddenSize: number, ...rest: [opts?: RNNOptions] | RNNPositional) {
    super("gru", inputSize, hiddenSize, positionalOptions<RNNOptions>("GRU", rest, RNN_KEYS, RNN_KEYS));
  }

  override forward(x: Tensor, h0?: Tensor | null, opts: RecurrentForwardOptions = {}): [Tensor, Tensor] {
    const r = this.runLayers(x, h0, null, opts);
    return [r.output, r.hN];
  }
}
