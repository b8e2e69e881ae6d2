/** Creating tensors: from JS data, constants, ranges and random draws. */
import { Tensor } from "./tensor.js";
import { allocStorage, checkDType, dtypeOfStorage, type DType, type Storage } from "./dtype.js";
import { checkAllocation, checkShape, fmtShape, numelOf, type Shape } from "./shape.js";
import { checkKnownKeys, optionsOf, show } from "../util/options.js";
import { defaultGenerator, type Generator } from "./random.js";
import { backendFor, checkDevice, type Device } from "./device.js";

export interface TensorOptions {
  dtype?: DType;
  requiresGrad?: boolean;
  /** Where the tensor lives: "cpu" (the default), or a device registered by a backend ("webgpu"). */
  device?: Device;
}

const TENSOR_KEYS = ["dtype", "requiresGrad", "device"] as const;
const RANDOM_KEYS = [...TENSOR_KEYS, "generator"] as const;

/**
 * A shape given as one array or as separate integers, then an optional options object, as
 * PyTorch's `torch.zeros(2, 3)` and `torch.zeros((2, 3))`: zeros(2, 3), zeros([2, 3], { dtype }).
 */
export type ShapeArgs<O> = [shape: Shape, opts?: O] | number[] | [...sizes: number[], opts: O];

function isOptions(v: unknown): boolean {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function shapeAndOptions<O extends object>(
  op: string,
  args: readonly unknown[],
  known: readonly string[],
): { shape: number[]; opts: O } {
  const [first, second] = args;
  if (Array.isArray(first)) {
    if (args.length > 2)
      throw new TypeError(
        `${op}: after the shape array only an options object may follow, got ${args.length} arguments; write ${op}([2, 3], { dtype })`,
      );
    return { shape: checkShape(first, op), opts: optionsOf<O>(op, second as O | undefined, known) };
  }
  const hasOpts =
    args.length > 0 && (isOptions(args[args.length - 1]) || args[args.length - 1] === undefined);
  const sizes = hasOpts ? args.slice(0, -1) : args;
  if (sizes.length === 0)
    throw new TypeError(`${op}: a shape is required, e.g. ${op}([2, 3]) or ${op}(2, 3)`);
  if (!sizes.every((v) => typeof v === "number"))
    throw new TypeError(
      `${op}: the shape must be integers or one array, e.g. ${op}(2, 3) or ${op}([2, 3]); got (${sizes.map(show).join(", ")})`,
    );
  const opts = hasOpts ? optionsOf<O>(op, args[args.length - 1] as O | undefined, known) : ({} as O);
  return { shape: checkShape(sizes, op), opts };
}

export type NestedArray = number | boolean | readonly NestedArray[];
export type TensorData = NestedArray | ArrayLike<number> | Storage;

function deviceOption(opts: TensorOptions | undefined, op: string): Device {
  return opts?.device === undefined ? "cpu" : checkDevice(opts.device, op);
}

/**
 * Places a tensor built on the host on its device (the CPU backends keep the array: no copy) and
 * sets requiresGrad.
 */
function finish(t: Tensor, opts: TensorOptions | undefined, op: string): Tensor {
  const device = deviceOption(opts, op);
  const placed =
    device === "cpu" ? t : new Tensor(backendFor(device).upload(t.storage), t.shape, undefined, 0, device);
  if (opts?.requiresGrad) placed.requiresGrad = true;
  return placed;
}

function isTypedArray(x: unknown): x is Storage | Int8Array | Uint16Array | Int16Array | Uint32Array {
  return ArrayBuffer.isView(x) && !(x instanceof DataView);
}

function inferDType(flat: readonly (number | boolean)[]): DType {
  if (flat.length > 0 && flat.every((v) => typeof v === "boolean")) return "bool";
  return flat.every((v) => typeof v === "number" && Number.isInteger(v)) && flat.length > 0
    ? "int32"
    : "float32";
}

/** Shape and flat values of a nested array; ragged nesting is an error. */
function flatten(data: NestedArray): { shape: number[]; flat: (number | boolean)[] } {
  const shape: number[] = [];
  let probe: NestedArray = data;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    probe = probe[0];
  }
  const flat: (number | boolean)[] = [];
  const walk = (x: NestedArray, depth: number, path: string) => {
    if (depth === shape.length) {
      if (typeof x !== "number" && typeof x !== "boolean")
        throw new TypeError(
          `tensor: element at ${path || "top"} is ${Array.isArray(x) ? "an array" : typeof x}, expected a number`,
        );
      flat.push(x);
      return;
    }
    if (!Array.isArray(x) || x.length !== shape[depth])
      throw new RangeError(
        `tensor: ragged nested array: at ${path || "top"} expected ${shape[depth]} elements, got ${Array.isArray(x) ? x.length : "a number"}`,
      );
    x.forEach((v: NestedArray, i: number) => walk(v, depth + 1, `${path}[${i}]`));
  };
  walk(data, 0, "");
  return { shape, flat };
}

/**
 * A tensor from nested arrays, a flat array (with `shape`) or a typed array (copied).
 * @example gs.tensor([[1, 2], [3, 4]], { dtype: "float32", requiresGrad: true })
 */
export function tensor(data: TensorData, opts: TensorOptions & { shape?: Shape } = {}): Tensor {
  checkKnownKeys("tensor", opts, [...TENSOR_KEYS, "shape"]);
  let shape: number[];
  let values: ArrayLike<number | boolean>;
  let dtype: DType;
  if (isTypedArray(data)) {
    values = data as ArrayLike<number>;
    shape = [data.length];
    dtype =
      opts.dtype ??
      (data instanceof Float32Array || data instanceof Float64Array || data instanceof Int32Array
        ? dtypeOfStorage(data)
        : "int32");
  } else if (typeof data === "number" || typeof data === "boolean") {
    values = [data];
    shape = [];
    dtype = opts.dtype ?? inferDType([data]);
  } else if (Array.isArray(data)) {
    const f = flatten(data);
    values = f.flat;
    shape = f.shape;
    dtype = opts.dtype ?? inferDType(f.flat);
  } else {
    throw new TypeError(`tensor: cannot make a tensor from ${data === null ? "null" : typeof data}`);
  }
  if (opts.dtype !== undefined) checkDType(opts.dtype, "tensor");
  if (opts.shape !== undefined) {
    const want = checkShape(opts.shape, "tensor");
    if (numelOf(want) !== values.length)
      throw new RangeError(
        `tensor: ${values.length} values do not fill shape ${fmtShape(want)} (${numelOf(want)} elements)`,
      );
    shape = want;
  }
  const storage = allocStorage(dtype, values.length);
  if (dtype === "bool") for (let i = 0; i < values.length; i++) storage[i] = values[i] ? 1 : 0;
  else for (let i = 0; i < values.length; i++) storage[i] = Number(values[i]);
  return finish(new Tensor(storage, shape), opts, "tensor");
}

/** A tensor of `shape` filled with `value` (a number or a boolean). */
export function full(shape: Shape, value: number | boolean, opts?: TensorOptions): Tensor {
  if (typeof value !== "number" && typeof value !== "boolean")
    throw new TypeError(`full: the fill value must be a number or a boolean, got ${show(value)}`);
  return filled("full", checkShape(shape, "full"), value, optionsOf("full", opts, TENSOR_KEYS));
}

function filled(op: string, s: number[], value: number | boolean, opts: TensorOptions): Tensor {
  const dtype = opts.dtype ?? (typeof value === "boolean" ? "bool" : "float32");
  const t = Tensor.empty(s, checkDType(dtype, op), deviceOption(opts, op));
  if (value !== 0) t.fill_(value);
  if (opts.requiresGrad) t.requiresGrad = true;
  return t;
}

/** A tensor of zeros: `zeros([2, 3])`, `zeros(2, 3)`, `zeros([2, 3], { dtype: "int32" })`. */
export function zeros(...args: ShapeArgs<TensorOptions>): Tensor {
  const { shape, opts } = shapeAndOptions<TensorOptions>("zeros", args, TENSOR_KEYS);
  return filled("zeros", shape, 0, opts);
}

/** A tensor of ones, with zeros' arguments. */
export function ones(...args: ShapeArgs<TensorOptions>): Tensor {
  const { shape, opts } = shapeAndOptions<TensorOptions>("ones", args, TENSOR_KEYS);
  return filled("ones", shape, 1, opts);
}

/** A zero-filled tensor (PyTorch's empty leaves the memory uninitialised; zeros cost nothing more here). */
export function empty(...args: ShapeArgs<TensorOptions>): Tensor {
  const { shape, opts } = shapeAndOptions<TensorOptions>("empty", args, TENSOR_KEYS);
  return filled("empty", shape, 0, opts);
}

function checkFiniteNumber(op: string, name: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isFinite(v))
    throw new TypeError(`${op}: ${name} must be a finite number, got ${show(v)}`);
  return v;
}

/**
 * Values from start (inclusive) to end (exclusive) by step: `arange(5)` or `arange(2, 10, 2)`.
 * int32 when all arguments are integers, float32 otherwise.
 */
export function arange(start: number, opts?: TensorOptions): Tensor;
export function arange(start: number, end?: number, opts?: TensorOptions): Tensor;
export function arange(start: number, end?: number, step?: number, opts?: TensorOptions): Tensor;
export function arange(...args: unknown[]): Tensor {
  // The options object may follow any number of the three numbers, as PyTorch's keyword dtype=.
  const at = args.findIndex(isOptions);
  const nums = at < 0 ? args : args.slice(0, at);
  const opts = optionsOf<TensorOptions>(
    "arange",
    at < 0 ? undefined : (args[at] as TensorOptions),
    TENSOR_KEYS,
  );
  if (nums.length > 3 || (at >= 0 && args.length > at + 1))
    throw new TypeError("arange: expects (end), (start, end) or (start, end, step), then an options object");
  const [start, end, step = 1] = nums;
  checkFiniteNumber("arange", end === undefined ? "end" : "start", start);
  if (end !== undefined) checkFiniteNumber("arange", "end", end);
  checkFiniteNumber("arange", "step", step);
  const [lo, hi] = end === undefined ? [0, start as number] : [start as number, end as number];
  if (step === 0) throw new RangeError(`arange: step must be a non-zero finite number, got ${step}`);
  const n = Math.max(0, Math.ceil((hi - lo) / (step as number)));
  checkAllocation([n], "arange");
  const dtype = opts.dtype ?? ([lo, hi, step].every(Number.isInteger) ? "int32" : "float32");
  const t = Tensor.empty([n], checkDType(dtype, "arange"));
  for (let i = 0; i < n; i++) t.storage[i] = lo + i * (step as number);
  return finish(t, opts, "arange");
}

/** `steps` evenly spaced values from start to end, both included. */
export function linspace(start: number, end: number, steps: number, opts?: TensorOptions): Tensor {
  const o = optionsOf<TensorOptions>("linspace", opts, TENSOR_KEYS);
  checkFiniteNumber("linspace", "start", start);
  checkFiniteNumber("linspace", "end", end);
  if (!Number.isInteger(steps) || steps < 0)
    throw new RangeError(`linspace: steps must be an integer >= 0, got ${show(steps)}`);
  const t = Tensor.empty(checkShape([steps], "linspace"), checkDType(o.dtype ?? "float32", "linspace"));
  const delta = steps > 1 ? (end - start) / (steps - 1) : 0;
  // Fill from both ends so that the last value is exactly `end`, as PyTorch does.
  const half = Math.floor(steps / 2);
  for (let i = 0; i < steps; i++) t.storage[i] = i < half ? start + i * delta : end - (steps - 1 - i) * delta;
  return finish(t, o, "linspace");
}

export function eye(n: number, m?: number | TensorOptions, opts?: TensorOptions): Tensor {
  if (isOptions(m)) return eye(n, n, m as TensorOptions);
  const cols = (m as number | undefined) ?? n;
  opts = optionsOf("eye", opts, TENSOR_KEYS);
  const t = zeros(checkShape([n, cols], "eye"), { dtype: opts.dtype });
  for (let i = 0; i < Math.min(n, cols); i++) t.storage[i * cols + i] = 1;
  return finish(t, opts, "eye");
}

export interface RandomOptions extends TensorOptions {
  generator?: Generator;
}

function floatRandom(op: string, args: readonly unknown[], draw: (g: Generator) => number): Tensor {
  const { shape, opts } = shapeAndOptions<RandomOptions>(op, args, RANDOM_KEYS);
  const dtype = checkDType(opts.dtype ?? "float32", op);
  if (dtype !== "float32" && dtype !== "float64")
    throw new TypeError(`${op}: dtype must be float32 or float64, got ${dtype}`);
  const t = Tensor.empty(shape, dtype);
  const g = opts.generator ?? defaultGenerator;
  for (let i = 0; i < t.storage.length; i++) t.storage[i] = draw(g);
  return finish(t, opts, op);
}

/** Standard normal draws: `randn([2, 3])` or `randn(2, 3)`, then options. */
export function randn(...args: ShapeArgs<RandomOptions>): Tensor {
  return floatRandom("randn", args, (g) => g.normal());
}

/** Uniform draws in [0, 1), with randn's arguments. */
export function rand(...args: ShapeArgs<RandomOptions>): Tensor {
  return floatRandom("rand", args, (g) => g.random());
}

/** Uniform integers in [low, high). */
export function randint(low: number, high: number, shape: Shape, opts?: RandomOptions): Tensor {
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low)
    throw new RangeError(`randint: expects integers low < high, got ${show(low)} and ${show(high)}`);
  opts = optionsOf("randint", opts, RANDOM_KEYS);
  const t = Tensor.empty(checkShape(shape, "randint"), checkDType(opts.dtype ?? "int32", "randint"));
  const g = opts.generator ?? defaultGenerator;
  for (let i = 0; i < t.storage.length; i++) t.storage[i] = g.randint(low, high);
  return finish(t, opts, "randint");
}

/** A random permutation of 0..n-1 (Fisher–Yates). */
export function randperm(n: number, opts?: { generator?: Generator; device?: Device }): Tensor {
  opts = optionsOf("randperm", opts, ["generator", "device"]);
  if (!Number.isInteger(n) || n < 0)
    throw new RangeError(`randperm: n must be an integer >= 0, got ${show(n)}`);
  const t = arange(n);
  const s = t.storage;
  const g = opts.generator ?? defaultGenerator;
  for (let i = n - 1; i > 0; i--) {
    const j = g.randint(0, i + 1);
    const tmp = s[i];
    s[i] = s[j];
    s[j] = tmp;
  }
  return finish(t, { device: opts.device }, "randperm");
}

const like = (x: Tensor, opts: TensorOptions): TensorOptions => ({
  dtype: x.dtype,
  device: x.device,
  ...opts,
});
export const zerosLike = (x: Tensor, opts: TensorOptions = {}) => zeros(x.shape, like(x, opts));
export const onesLike = (x: Tensor, opts: TensorOptions = {}) => ones(x.shape, like(x, opts));
export const fullLike = (x: Tensor, value: number, opts: TensorOptions = {}) =>
  full(x.shape, value, like(x, opts));
export const randnLike = (x: Tensor, opts: RandomOptions = {}) => randn(x.shape, like(x, opts));
export const randLike = (x: Tensor, opts: RandomOptions = {}) => rand(x.shape, like(x, opts));
