/**
 * Neural-network building blocks on top of the scalar `Value` engine: neurons, layers and an MLP, as in
 * micrograd. Weights are drawn from a seeded PRNG so that a model (and a training run) is reproducible.
 */
import { Value, zeroGrad, type Operand } from "./value.js";

/** A source of uniform random numbers in [0, 1), like Math.random. */
export type Rng = () => number;

/** Seed of the generator used when no `rng` is passed. */
export const DEFAULT_SEED = 1337;

/**
 * mulberry32: a tiny, fast 32-bit seeded PRNG (good enough for weight init, not for cryptography).
 *
 * @example
 * const rng = mulberry32(42);
 * rng(); // the same number in [0, 1) on every run
 */
export function mulberry32(seed: number): Rng {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** The activation a neuron applies to its weighted sum. */
export type Nonlinearity = "tanh" | "relu" | "sigmoid" | "linear";

function activate(x: Value, nonlin: Nonlinearity): Value {
  switch (nonlin) {
    case "tanh":
      return x.tanh();
    case "relu":
      return x.relu();
    case "sigmoid":
      return x.sigmoid();
    case "linear":
      return x;
  }
}

function uniform(rng: Rng): number {
  return rng() * 2 - 1;
}

function checkSize(name: string, n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${name} must be a positive integer, got ${n}`);
}

/** Anything with trainable parameters. */
export abstract class Module {
  /** The trainable values, in a fixed order. */
  abstract parameters(): Value[];

  /** Resets every parameter's grad to 0, before the next `backward()`. */
  zeroGrad(): void {
    zeroGrad(this.parameters());
  }
}

export interface NeuronOptions {
  /** Activation applied to the weighted sum; default "tanh". */
  nonlin?: Nonlinearity;
  /** Random source for init; default `mulberry32(DEFAULT_SEED)`. */
  rng?: Rng;
}

/**
 * One neuron: nonlin(w · x + b), with w and b drawn uniformly from (-1, 1).
 *
 * @example
 * const n = new Neuron(2, { nonlin: "relu" });
 * n.forward([1, -2]); // a Value
 */
export class Neuron extends Module {
  readonly w: Value[];
  readonly b: Value;
  readonly nonlin: Nonlinearity;

  constructor(nin: number, opts: NeuronOptions = {}) {
    super();
    checkSize("Neuron: nin", nin);
    const rng = opts.rng ?? mulberry32(DEFAULT_SEED);
    this.nonlin = opts.nonlin ?? "tanh";
    this.w = Array.from({ length: nin }, (_, i) => new Value(uniform(rng), { label: `w${i}` }));
    this.b = new Value(uniform(rng), { label: "b" });
  }

  forward(x: readonly Operand[]): Value {
    if (x.length !== this.w.length) {
      throw new RangeError(`Neuron: expected ${this.w.length} inputs, got ${x.length}`);
    }
    let act = this.b;
    for (let i = 0; i < x.length; i++) act = act.add(this.w[i].mul(x[i]));
    return activate(act, this.nonlin);
  }

  parameters(): Value[] {
    return [...this.w, this.b];
  }

  override toString(): string {
    return `${this.nonlin}Neuron(${this.w.length})`;
  }
}

/**
 * A fully connected layer of `nout` independent neurons, each seeing all `nin` inputs.
 *
 * @example
 * const layer = new Layer(3, 2);
 * layer.forward([1, 2, 3]); // [Value, Value]
 */
export class Layer extends Module {
  readonly neurons: Neuron[];

  constructor(nin: number, nout: number, opts: NeuronOptions = {}) {
    super();
    checkSize("Layer: nout", nout);
    // One generator shared by all neurons; otherwise each would get the default seed and identical weights.
    const rng = opts.rng ?? mulberry32(DEFAULT_SEED);
    this.neurons = Array.from({ length: nout }, () => new Neuron(nin, { ...opts, rng }));
  }

  forward(x: readonly Operand[]): Value[] {
    return this.neurons.map((n) => n.forward(x));
  }

  parameters(): Value[] {
    return this.neurons.flatMap((n) => n.parameters());
  }

  override toString(): string {
    return `Layer of [${this.neurons.join(", ")}]`;
  }
}

export interface MLPOptions {
  /** Activation of the hidden layers; default "tanh". */
  nonlin?: Nonlinearity;
  /** Activation of the last layer; default "linear", so outputs are unbounded. */
  outputNonlin?: Nonlinearity;
  /** Random source for init; default `mulberry32(DEFAULT_SEED)`. */
  rng?: Rng;
}

/**
 * A multi-layer perceptron: `nin` inputs, then one layer per entry of `nouts`.
 *
 * @example
 * const model = new MLP(3, [4, 4, 1], { rng: mulberry32(1) });
 * const [y] = model.forward([2, 3, -1]);
 * y.backward(); // grads on model.parameters()
 */
export class MLP extends Module {
  readonly layers: Layer[];

  constructor(nin: number, nouts: readonly number[], opts: MLPOptions = {}) {
    super();
    if (nouts.length === 0) throw new RangeError("MLP: nouts must name at least one layer");
    const rng = opts.rng ?? mulberry32(DEFAULT_SEED);
    const sizes = [nin, ...nouts];
    this.layers = nouts.map((nout, i) => {
      const last = i === nouts.length - 1;
      const nonlin = last ? (opts.outputNonlin ?? "linear") : (opts.nonlin ?? "tanh");
      return new Layer(sizes[i], nout, { nonlin, rng });
    });
  }

  /** The outputs of the last layer (an array even when it has one neuron). */
  forward(x: readonly Operand[]): Value[] {
    let out: readonly Operand[] = x;
    for (const layer of this.layers) out = layer.forward(out);
    return out as Value[];
  }

  parameters(): Value[] {
    return this.layers.flatMap((l) => l.parameters());
  }

  override toString(): string {
    return `MLP of [${this.layers.join(", ")}]`;
  }
}
