/**
 * gs.nn.init: in-place initialisers, as torch.nn.init. Each one writes under noGrad, so it works on
 * parameters, draws from the default generator (reseeded by gs.manualSeed) unless given a `generator`,
 * and returns the tensor.
 * @example
 * const lin = new gs.nn.Linear(256, 128);
 * gs.nn.init.xavierUniform_(lin.weight);
 * gs.nn.init.zeros_(lin.bias!);
 */
import { Tensor } from "../tensor/tensor.js";
import { isFloating } from "../tensor/dtype.js";
import { fmtShape } from "../tensor/shape.js";
import { defaultGenerator, type Generator } from "../tensor/random.js";
import { noGrad } from "../autograd/grad-mode.js";
import { optionsOf } from "../util/options.js";

export type Nonlinearity =
  | "linear"
  | "conv1d"
  | "conv2d"
  | "conv3d"
  | "conv_transpose1d"
  | "conv_transpose2d"
  | "conv_transpose3d"
  | "sigmoid"
  | "tanh"
  | "relu"
  | "leaky_relu"
  | "selu";

export type FanMode = "fan_in" | "fan_out";

export interface RandomInitOptions {
  generator?: Generator;
}

function checkTensor(where: string, t: unknown): Tensor {
  if (!(t instanceof Tensor))
    throw new TypeError(`${where}: expected a Tensor, got ${t === null ? "null" : typeof t}`);
  if (!isFloating(t.dtype)) throw new TypeError(`${where}: expects a floating-point tensor, got ${t.dtype}`);
  return t;
}

/** Writes draw() into every element of t, in row-major order. */
function fillWith(t: Tensor, draw: () => number): Tensor {
  const values = Tensor.empty(t.shape, t.dtype);
  const s = values.storage;
  for (let i = 0; i < s.length; i++) s[i] = draw();
  noGrad(() => t.copy_(values));
  return t;
}

/**
 * The recommended gain for a nonlinearity (PyTorch's calculate_gain): 1 for linear, conv and sigmoid,
 * 5/3 for tanh, √2 for relu, √(2 / (1 + slope²)) for leaky_relu (param = negative slope, default 0.01),
 * 3/4 for selu.
 * @example gs.nn.init.calculateGain("tanh"); // 1.6667
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case "linear":
    case "conv1d":
    case "conv2d":
    case "conv3d":
    case "conv_transpose1d":
    case "conv_transpose2d":
    case "conv_transpose3d":
    case "sigmoid":
      return 1;
    case "tanh":
      return 5 / 3;
    case "relu":
      return Math.SQRT2;
    case "leaky_relu": {
      const slope = param ?? 0.01;
      if (typeof slope !== "number" || !Number.isFinite(slope))
        throw new TypeError(`calculateGain: negative slope ${String(slope)} is not a valid number`);
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case "selu":
      return 3 / 4;
    default:
      throw new RangeError(`calculateGain: unsupported nonlinearity ${JSON.stringify(nonlinearity)}`);
  }
}

/** fan_in = size(1) · receptive field, fan_out = size(0) · receptive field (receptive = Π shape[2:]). */
export function calculateFanInAndFanOut(t: Tensor, where = "calculateFanInAndFanOut"): [number, number] {
  if (t.ndim < 2)
    throw new RangeError(
      `${where}: fan in and fan out cannot be computed for a tensor with fewer than 2 dims, got shape ${fmtShape(t.shape)}`,
    );
  const receptive = t.shape.slice(2).reduce((a, b) => a * b, 1);
  return [t.shape[1] * receptive, t.shape[0] * receptive];
}

/** Fills t with draws from U(a, b). */
export function uniform_(t: Tensor, a = 0, b = 1, options?: RandomInitOptions): Tensor {
  checkTensor("uniform_", t);
  const opts = optionsOf("uniform_", options, ["generator"]);
  if (!(a <= b)) throw new RangeError(`uniform_: expects a <= b, got a=${a}, b=${b}`);
  const g = opts.generator ?? defaultGenerator;
  return fillWith(t, () => a + (b - a) * g.random());
}

/** Fills t with draws from N(mean, std²). */
export function normal_(t: Tensor, mean = 0, std = 1, options?: RandomInitOptions): Tensor {
  checkTensor("normal_", t);
  const opts = optionsOf("normal_", options, ["generator"]);
  if (!(std >= 0)) throw new RangeError(`normal_: std must be >= 0, got ${std}`);
  const g = opts.generator ?? defaultGenerator;
  return fillWith(t, () => mean + std * g.normal());
}

/**
 * Fills t with draws from N(mean, std²) restricted to [a, b] (by rejection, so the values are exactly
 * distributed). Throws if the interval holds too little of the distribution to sample that way.
 */
export function truncNormal_(
  t: Tensor,
  options?: { mean?: number; std?: number; a?: number; b?: number; generator?: Generator },
): Tensor {
  checkTensor("truncNormal_", t);
  const opts = optionsOf("truncNormal_", options, ["mean", "std", "a", "b", "generator"]);
  const { mean = 0, std = 1, a = -2, b = 2 } = opts;
  if (!(std > 0) || !(a < b))
    throw new RangeError(`truncNormal_: expects std > 0 and a < b, got std=${std}, a=${a}, b=${b}`);
  const g = opts.generator ?? defaultGenerator;
  const maxTries = 10000;
  return fillWith(t, () => {
    for (let k = 0; k < maxTries; k++) {
      const v = mean + std * g.normal();
      if (v >= a && v <= b) return v;
    }
    throw new RangeError(
      `truncNormal_: [${a}, ${b}] holds too little of N(${mean}, ${std}²) to sample by rejection`,
    );
  });
}

/** Fills t with `value`. */
export function constant_(t: Tensor, value: number): Tensor {
  checkTensor("constant_", t);
  noGrad(() => t.fill_(value));
  return t;
}

export function zeros_(t: Tensor): Tensor {
  return constant_(t, 0);
}

export function ones_(t: Tensor): Tensor {
  return constant_(t, 1);
}

/**
 * Glorot/Xavier uniform: U(-bound, bound) with bound = gain · √(6 / (fan_in + fan_out)).
 * @example gs.nn.init.xavierUniform_(lin.weight, { gain: gs.nn.init.calculateGain("tanh") });
 */
export function xavierUniform_(t: Tensor, options?: { gain?: number; generator?: Generator }): Tensor {
  checkTensor("xavierUniform_", t);
  const opts = optionsOf("xavierUniform_", options, ["gain", "generator"]);
  const [fanIn, fanOut] = calculateFanInAndFanOut(t, "xavierUniform_");
  const bound = (opts.gain ?? 1) * Math.sqrt(6 / (fanIn + fanOut));
  return uniform_(t, -bound, bound, { generator: opts.generator });
}

/** Glorot/Xavier normal: N(0, std²) with std = gain · √(2 / (fan_in + fan_out)). */
export function xavierNormal_(t: Tensor, options?: { gain?: number; generator?: Generator }): Tensor {
  checkTensor("xavierNormal_", t);
  const opts = optionsOf("xavierNormal_", options, ["gain", "generator"]);
  const [fanIn, fanOut] = calculateFanInAndFanOut(t, "xavierNormal_");
  return normal_(t, 0, (opts.gain ?? 1) * Math.sqrt(2 / (fanIn + fanOut)), { generator: opts.generator });
}

export interface KaimingOptions {
  /** The negative slope of the leaky_relu that follows (used only with "leaky_relu"). */
  a?: number;
  mode?: FanMode;
  nonlinearity?: Nonlinearity;
  generator?: Generator;
}

/** gain / √fan; 0 for an empty tensor (which has nothing to fill). */
const KAIMING_KEYS = ["a", "mode", "nonlinearity", "generator"];

function kaimingStd(where: string, t: Tensor, opts: KaimingOptions): number {
  const { a = 0, mode = "fan_in", nonlinearity = "leaky_relu" } = opts;
  if (mode !== "fan_in" && mode !== "fan_out")
    throw new RangeError(`${where}: mode must be "fan_in" or "fan_out", got ${JSON.stringify(mode)}`);
  const [fanIn, fanOut] = calculateFanInAndFanOut(t, where);
  const fan = mode === "fan_in" ? fanIn : fanOut;
  return fan === 0 ? 0 : calculateGain(nonlinearity, a) / Math.sqrt(fan);
}

/**
 * He/Kaiming uniform: U(-bound, bound) with bound = gain · √(3 / fan), gain from the nonlinearity
 * (default leaky_relu with slope a = 0, i.e. √2). nn.Linear uses a = √5, giving bound 1/√fan_in.
 * @example gs.nn.init.kaimingUniform_(w, { nonlinearity: "relu" });
 */
export function kaimingUniform_(t: Tensor, options?: KaimingOptions): Tensor {
  checkTensor("kaimingUniform_", t);
  const opts = optionsOf("kaimingUniform_", options, KAIMING_KEYS);
  const bound = Math.sqrt(3) * kaimingStd("kaimingUniform_", t, opts);
  return uniform_(t, -bound, bound, { generator: opts.generator });
}

/** He/Kaiming normal: N(0, std²) with std = gain / √fan. */
export function kaimingNormal_(t: Tensor, options?: KaimingOptions): Tensor {
  checkTensor("kaimingNormal_", t);
  const opts = optionsOf("kaimingNormal_", options, KAIMING_KEYS);
  return normal_(t, 0, kaimingStd("kaimingNormal_", t, opts), { generator: opts.generator });
}
