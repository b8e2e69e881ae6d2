/** Creating tensors: from JS data, constants, ranges and random draws. */
import { Tensor } from "./tensor.js";
import { allocStorage, checkDType, dtypeOfStorage, type DType, type Storage } from "./dtype.js";
import { checkShape, fmtShape, numelOf, type Shape } from "./shape.js";
import { defaultGenerator, type Generator } from "./random.js";
import { backendFor, checkDevice, type Device } from "./device.js";

export interface TensorOptions {
  dtype?: DType;
  requiresGrad?: boolean;
  /** Where the tensor lives: "cpu" (the default), or a device registered by a backend ("webgpu"). */
  device?: Device;
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

export function full(shape: Shape, value: number | boolean, opts: TensorOptions = {}): Tensor {
  return filled("full", shape, value, opts);
}

function filled(op: string, shape: Shape, value: number | boolean, opts: TensorOptions): Tensor {
  const s = checkShape(shape, op);
  const dtype = opts.dtype ?? (typeof value === "boolean" ? "bool" : "float32");
  const t = Tensor.empty(s, checkDType(dtype, op), deviceOption(opts, op));
  if (value !== 0) t.fill_(value);
  if (opts.requiresGrad) t.requiresGrad = true;
  return t;
}

export function zeros(shape: Shape, opts: TensorOptions = {}): Tensor {
  return filled("zeros", shape, 0, opts);
}

export function ones(shape: Shape, opts: TensorOptions = {}): Tensor {
  return filled("ones", shape, 1, opts);
}

/** A zero-filled tensor (PyTorch's empty leaves the memory uninitialised; zeros cost nothing more here). */
export function empty(shape: Shape, opts: TensorOptions = {}): Tensor {
  return filled("empty", shape, 0, opts);
}

/**
 * Values from start (inclusive) to end (exclusive) by step: `arange(5)` or `arange(2, 10, 2)`.
 * int32 when all arguments are integers, float32 otherwise.
 */
export function arange(start: number, end?: number, step = 1, opts: TensorOptions = {}): Tensor {
  const [lo, hi] = end === undefined ? [0, start] : [start, end];
  if (step === 0 || !Number.isFinite(step))
    throw new RangeError(`arange: step must be a non-zero finite number, got ${step}`);
  const n = Math.max(0, Math.ceil((hi - lo) / step));
  const dtype = opts.dtype ?? ([lo, hi, step].every(Number.isInteger) ? "int32" : "float32");
  const t = Tensor.empty([n], dtype);
  for (let i = 0; i < n; i++) t.storage[i] = lo + i * step;
  return finish(t, opts, "arange");
}

/** `steps` evenly spaced values from start to end, both included. */
export function linspace(start: number, end: number, steps: number, opts: TensorOptions = {}): Tensor {
  if (!Number.isInteger(steps) || steps < 0)
    throw new RangeError(`linspace: steps must be an integer >= 0, got ${steps}`);
  const t = Tensor.empty([steps], opts.dtype ?? "float32");
  const delta = steps > 1 ? (end - start) / (steps - 1) : 0;
  // Fill from both ends so that the last value is exactly `end`, as PyTorch does.
  const half = Math.floor(steps / 2);
  for (let i = 0; i < steps; i++) t.storage[i] = i < half ? start + i * delta : end - (steps - 1 - i) * delta;
  return finish(t, opts, "linspace");
}

export function eye(n: number, m = n, opts: TensorOptions = {}): Tensor {
  const t = zeros(checkShape([n, m], "eye"), { dtype: opts.dtype });
  for (let i = 0; i < Math.min(n, m); i++) t.storage[i * m + i] = 1;
  return finish(t, opts, "eye");
}

export interface RandomOptions extends TensorOptions {
  generator?: Generator;
}

function floatRandom(op: string, shape: Shape, opts: RandomOptions, draw: (g: Generator) => number): Tensor {
  const dtype = checkDType(opts.dtype ?? "float32", op);
  if (dtype !== "float32" && dtype !== "float64")
    throw new TypeError(`${op}: dtype must be float32 or float64, got ${dtype}`);
  const t = Tensor.empty(checkShape(shape, op), dtype);
  const g = opts.generator ?? defaultGenerator;
  for (let i = 0; i < t.storage.length; i++) t.storage[i] = draw(g);
  return finish(t, opts, op);
}

/** Standard normal draws. */
export function randn(shape: Shape, opts: RandomOptions = {}): Tensor {
  return floatRandom("randn", shape, opts, (g) => g.normal());
}

/** Uniform draws in [0, 1). */
export function rand(shape: Shape, opts: RandomOptions = {}): Tensor {
  return floatRandom("rand", shape, opts, (g) => g.random());
}

/** Uniform integers in [low, high). */
export function randint(low: number, high: number, shape: Shape, opts: RandomOptions = {}): Tensor {
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low)
    throw new RangeError(`randint: expects integers low < high, got ${low} and ${high}`);
  const t = Tensor.empty(checkShape(shape, "randint"), opts.dtype ?? "int32");
  const g = opts.generator ?? defaultGenerator;
  for (let i = 0; i < t.storage.length; i++) t.storage[i] = g.randint(low, high);
  return finish(t, opts, "randint");
}

/** A random permutation of 0..n-1 (Fisher–Yates). */
export function randperm(n: number, opts: { generator?: Generator; device?: Device } = {}): Tensor {
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
