/** Elementwise unary and binary ops with broadcasting and PyTorch's type promotion; where, clamp, casts. */
import type { BinaryOp, UnaryOp } from "../backend/index.js";
import { Tensor, type TensorLike } from "../tensor/tensor.js";
import { backendFor, backendOf, sameDevice, type Device } from "../tensor/device.js";
import {
  allocStorage,
  category,
  isFloating,
  promote,
  scalarDType,
  toFloat,
  type DType,
} from "../tensor/dtype.js";
import { broadcastShapes, broadcastStrides, sameShape } from "../tensor/shape.js";
import { defineOp } from "./define.js";
import { optionsOf, show } from "../util/options.js";
import { contiguous } from "./movement.js";
import { reluBackward } from "./fused/relu.js";

/** Wraps a number or boolean as a 0-d tensor of `dtype` on `device`. */
export function scalar(v: number | boolean, dtype: DType, device: Device = "cpu"): Tensor {
  const s = allocStorage(dtype, 1);
  s[0] = Number(v);
  return device === "cpu" ? new Tensor(s, []) : new Tensor(backendFor(device).upload(s), [], [], 0, device);
}

export function asTensor(x: TensorLike, dtype?: DType, device: Device = "cpu"): Tensor {
  return x instanceof Tensor ? x : scalar(x, dtype ?? scalarDType(x), device);
}

/** The device of the tensors among a and b (numbers go where the tensors are); two devices are an error. */
function deviceOfOperands(op: string, a: TensorLike, b: TensorLike): Device {
  if (!(a instanceof Tensor)) return b instanceof Tensor ? b.device : "cpu";
  if (b instanceof Tensor && b.device !== a.device) sameDevice(op, [a, b]);
  return a.device;
}

/**
 * PyTorch's result type: dimensioned tensors decide, unless a 0-d tensor or a plain number is of a
 * higher category (bool < integer < floating), in which case that category's type wins.
 */
export function resultType(...xs: TensorLike[]): DType {
  let dim: DType | null = null;
  let zero: DType | null = null;
  let wrapped: DType | null = null;
  for (const x of xs) {
    if (!(x instanceof Tensor))
      wrapped = wrapped === null ? scalarDType(x) : promote(wrapped, scalarDType(x));
    else if (x.ndim === 0) zero = zero === null ? x.dtype : promote(zero, x.dtype);
    else dim = dim === null ? x.dtype : promote(dim, x.dtype);
  }
  let out = dim ?? zero ?? wrapped!;
  if (zero !== null && category(zero) > category(out)) out = zero;
  if (wrapped !== null && category(wrapped) > category(out)) out = wrapped;
  return out;
}

function viewOf(t: Tensor, shape: readonly number[]) {
  return { data: t.storage, offset: t.offset, strides: broadcastStrides(t.shape, t.strides, shape) };
}

// ---- casts -------------------------------------------------------------------------------------

const Cast = defineOp<DType>({
  name: "to",
  forward: ([x], dtype) => {
    const c = contiguous(x);
    const out = Tensor.uninitialized(x.shape, dtype, x.device);
    backendOf(x).cast(c.storage.subarray(c.offset, c.offset + c.numel()), out.storage);
    return out;
  },
  vjp: (g, [x]) => [isFloating(x.dtype) ? g.to(x.dtype) : null],
});

export function cast(x: Tensor, dtype: DType): Tensor {
  if (x.dtype === dtype) return x;
  return Cast([x], dtype);
}

// ---- unary -------------------------------------------------------------------------------------

function runUnary(op: UnaryOp, x: Tensor, outDType: DType): Tensor {
  const c = contiguous(cast(x, outDType));
  const out = Tensor.uninitialized(x.shape, outDType, x.device);
  backendOf(x).unary(op, c.storage.subarray(c.offset, c.offset + c.numel()), out.storage);
  return out;
}

type UnaryVjp = (g: Tensor, x: Tensor, out: Tensor) => Tensor;

/** A float unary op (ints are promoted to float32) with its derivative. */
function floatUnary(op: UnaryOp, dfdx: UnaryVjp | "none") {
  const def = defineOp<undefined>({
    name: op,
    forward: ([x]) => runUnary(op, x, toFloat(x.dtype)),
    vjp: dfdx === "none" ? "none" : (g, [x], out) => [dfdx(g, x, out)],
  });
  return (x: Tensor) => def([x], undefined);
}

/** A unary op that keeps its input's dtype. */
function sameTypeUnary(op: UnaryOp, dfdx: UnaryVjp | "none") {
  const def = defineOp<undefined>({
    name: op,
    forward: ([x]) => runUnary(op, x, x.dtype),
    vjp: dfdx === "none" ? "none" : (g, [x], out) => [dfdx(g, x, out)],
  });
  return (x: Tensor) => def([x], undefined);
}

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

export const neg = sameTypeUnary("neg", (g) => g.neg());
export const abs = sameTypeUnary("abs", (g, x) => g.mul(x.sign()));
export const relu = sameTypeUnary("relu", (g, _x, y) => reluBackward(g, y));
export const sign = sameTypeUnary("sign", "none");
export const floor = sameTypeUnary("floor", "none");
export const ceil = sameTypeUnary("ceil", "none");
export const round = sameTypeUnary("round", "none");
export const exp = floatUnary("exp", (g, _x, y) => g.mul(y));
export const log = floatUnary("log", (g, x) => g.div(x));
export const sqrt = floatUnary("sqrt", (g, _x, y) => g.div(y.mul(2)));
export const rsqrt = floatUnary("rsqrt", (g, _x, y) => g.mul(y.pow(3)).mul(-0.5));
export const tanh = floatUnary("tanh", (g, _x, y) => g.mul(y.mul(y).neg().add(1)));
export const sigmoid = floatUnary("sigmoid", (g, _x, y) => g.mul(y.mul(y.neg().add(1))));
export const sin = floatUnary("sin", (g, x) => g.mul(x.cos()));
export const cos = floatUnary("cos", (g, x) => g.mul(x.sin().neg()));
export const erf = floatUnary("erf", (g, x) => g.mul(x.mul(x).neg().exp().mul(TWO_OVER_SQRT_PI)));
export const log1p = floatUnary("log1p", (g, x) => g.div(x.add(1)));
export const expm1 = floatUnary("expm1", (g, _x, y) => g.mul(y.add(1)));
export const reciprocal = floatUnary("reciprocal", (g, _x, y) => g.mul(y.mul(y)).neg());

const LogicalNot = defineOp<undefined>({
  name: "logicalNot",
  forward: ([x]) => runUnary("not", cast(x, "bool"), "bool"),
  vjp: "none",
});
export const logicalNot = (x: Tensor) => LogicalNot([x], undefined);

// ---- binary ------------------------------------------------------------------------------------

interface BinaryAttrs {
  op: BinaryOp;
  compute: DType;
  out: DType;
}

const Binary = defineOp<BinaryAttrs>({
  name: "binary",
  forward: ([a, b], { op, compute, out }) => {
    const shape = broadcastShapes(op, a.shape, b.shape);
    const ca = cast(a, compute);
    const cb = cast(b, compute);
    const result = Tensor.uninitialized(shape, out, a.device);
    backendOf(a).binary(op, viewOf(ca, shape), viewOf(cb, shape), result.storage, shape);
    return result;
  },
  vjp: (g, [a, b], out, { op }) => {
    switch (op) {
      case "add":
        return [g, g];
      case "sub":
        return [g, g.neg()];
      case "mul":
        return [g.mul(b), g.mul(a)];
      case "div":
        return [g.div(b), b.requiresGrad ? g.mul(out).div(b).neg() : null];
      case "pow":
        // d(a^b)/da = b·a^(b-1); d(a^b)/db = a^b·log(a)
        return [
          a.requiresGrad ? g.mul(b).mul(a.pow(sub(b, 1))) : null,
          b.requiresGrad ? g.mul(out).mul(a.log()) : null,
        ];
      case "maximum":
      case "minimum": {
        // The gradient goes to the chosen input; ties split it evenly, as in PyTorch.
        const tie = a.eq(b);
        const pickA = (op === "maximum" ? a.gt(b) : a.lt(b)).to(g.dtype).add(tie.to(g.dtype).mul(0.5));
        return [g.mul(pickA), g.mul(pickA.neg().add(1))];
      }
      default:
        throw new Error(`binary op ${op} has no gradient`);
    }
  },
});

const COMPARE = new Set<BinaryOp>(["eq", "ne", "lt", "le", "gt", "ge", "and", "or"]);

/** A Tensor, a number or a boolean; anything else ("1", null, undefined) is an error naming the op. */
function checkOperand(op: string, x: unknown): void {
  if (x instanceof Tensor || typeof x === "number" || typeof x === "boolean") return;
  const what =
    typeof x === "string"
      ? `the string ${JSON.stringify(x)}`
      : x === null
        ? "null"
        : x === undefined
          ? "undefined"
          : `${typeof x === "object" ? "an object" : typeof x}`;
  throw new TypeError(`${op}: expected a Tensor, a number or a boolean, got ${what}`);
}

function binary(op: BinaryOp, a: TensorLike, b: TensorLike): Tensor {
  checkOperand(op, a);
  checkOperand(op, b);
  let compute = resultType(a, b);
  if (op === "div" && !isFloating(compute)) compute = "float32";
  if ((op === "and" || op === "or") && !isFloating(compute)) compute = "bool";
  // On bools PyTorch's + is logical or and * is logical and (True + True is True, not 2).
  if (compute === "bool" && (op === "add" || op === "mul")) op = op === "add" ? "or" : "and";
  if (op === "sub" && compute === "bool")
    throw new TypeError(
      "sub: subtracting two bool tensors is not supported (as in PyTorch); use a.ne(b) for exclusive or, or cast with .int()",
    );
  if (op === "pow" && !isFloating(compute) && typeof b === "number" && b < 0)
    throw new RangeError("pow: integers to negative integer powers are not allowed");
  const outDType = COMPARE.has(op) ? "bool" : compute;
  const device = deviceOfOperands(op, a, b);
  const ta = asTensor(a, compute, device);
  const tb = asTensor(b, compute, device);
  if (COMPARE.has(op)) {
    // Comparisons never carry a gradient.
    return Compare([ta, tb], { op, compute, out: outDType });
  }
  return Binary([ta, tb], { op, compute, out: outDType });
}

const Compare = defineOp<BinaryAttrs>({
  name: "compare",
  forward: (inputs, attrs) =>
    Binary(
      inputs.map((t) => t.detach()),
      attrs,
    ),
  vjp: "none",
});

function scaled(op: string, x: TensorLike, opts: { alpha?: number } | undefined): TensorLike {
  const alpha = optionsOf(op, opts, ["alpha"]).alpha;
  if (alpha === undefined || alpha === 1) return x;
  if (typeof alpha !== "number") throw new TypeError(`${op}: alpha must be a number, got ${show(alpha)}`);
  checkOperand(op, x);
  return typeof x === "number" ? x * alpha : mul(x, alpha);
}

/**
 * `x = op(x, other)` with the kernel writing straight into x's elements (the in-place methods: no new
 * tensor and no copy back), where that is safe: x floating, contiguous from the start of its storage,
 * the result of x's shape and dtype, and `other` a number or a tensor of x's dtype and device that does
 * not share x's storage (an overlapping operand could be read after it was overwritten). Returns false
 * where it did nothing, for the caller to compute a new tensor and copy it in.
 */
export function binaryInPlace(op: "add" | "sub" | "mul" | "div", x: Tensor, other: TensorLike): boolean {
  if (!isFloating(x.dtype) || x.offset !== 0 || !x.isContiguous()) return false;
  let o: Tensor;
  if (typeof other === "number") o = scalar(other, x.dtype, x.device);
  else if (other instanceof Tensor && other.dtype === x.dtype && other.device === x.device) o = other;
  else return false;
  if (o.storage === x.storage || !sameShape(broadcastShapes(op, x.shape, o.shape), x.shape)) return false;
  backendOf(x).binary(op, viewOf(x, x.shape), viewOf(o, x.shape), x.storage, x.shape);
  return true;
}

export const add = (a: TensorLike, b: TensorLike, opts?: { alpha?: number }) =>
  binary("add", a, scaled("add", b, opts));
export const sub = (a: TensorLike, b: TensorLike, opts?: { alpha?: number }) =>
  binary("sub", a, scaled("sub", b, opts));
export const mul = (a: TensorLike, b: TensorLike) => binary("mul", a, b);
export const div = (a: TensorLike, b: TensorLike) => binary("div", a, b);
export const pow = (a: TensorLike, b: TensorLike) => binary("pow", a, b);
export const maximum = (a: TensorLike, b: TensorLike) => binary("maximum", a, b);
export const minimum = (a: TensorLike, b: TensorLike) => binary("minimum", a, b);
export const eq = (a: TensorLike, b: TensorLike) => binary("eq", a, b);
export const ne = (a: TensorLike, b: TensorLike) => binary("ne", a, b);
export const lt = (a: TensorLike, b: TensorLike) => binary("lt", a, b);
export const le = (a: TensorLike, b: TensorLike) => binary("le", a, b);
export const gt = (a: TensorLike, b: TensorLike) => binary("gt", a, b);
export const ge = (a: TensorLike, b: TensorLike) => binary("ge", a, b);
export const logicalAnd = (a: TensorLike, b: TensorLike) => binary("and", a, b);
export const logicalOr = (a: TensorLike, b: TensorLike) => binary("or", a, b);

// ---- where, maskedFill, clamp ------------------------------------------------------------------

const Where = defineOp<DType>({
  name: "where",
  forward: ([cond, a, b], dtype) => {
    const shape = broadcastShapes("where", cond.shape, a.shape, b.shape);
    const ca = cast(a, dtype);
    const cb = cast(b, dtype);
    const out = Tensor.uninitialized(shape, dtype, cond.device);
    backendOf(cond).where(viewOf(cond, shape), viewOf(ca, shape), viewOf(cb, shape), out.storage, shape);
    return out;
  },
  vjp: (g, [cond]) => {
    const zero = scalar(0, g.dtype, g.device);
    return [null, where(cond, g, zero), where(cond, zero, g)];
  },
});

/** Elements of `a` where `cond` is true, else of `b`; all three broadcast together. */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  if (!(cond instanceof Tensor)) throw new TypeError("where: cond must be a bool tensor");
  if (cond.dtype !== "bool") throw new TypeError(`where: cond must be a bool tensor, got ${cond.dtype}`);
  checkOperand("where", a);
  checkOperand("where", b);
  const dtype = resultType(a, b);
  const device = deviceOfOperands("where", cond, a instanceof Tensor ? a : b);
  deviceOfOperands("where", cond, b);
  return Where([cond, asTensor(a, dtype, device), asTensor(b, dtype, device)], dtype);
}

export function maskedFill(x: Tensor, mask: Tensor, value: number): Tensor {
  if (!(mask instanceof Tensor) || mask.dtype !== "bool")
    throw new TypeError(
      `maskedFill: mask must be a bool tensor, got ${mask instanceof Tensor ? mask.dtype : typeof mask}`,
    );
  if (typeof value !== "number" && typeof value !== "boolean")
    throw new TypeError(`maskedFill: value must be a number, got ${show(value)}`);
  broadcastShapes("maskedFill", x.shape, mask.shape);
  return where(mask, scalar(value, x.dtype, x.device), x);
}

/**
 * Clamps into [min, max] as PyTorch: min(max(x, min), max), so min > max gives max everywhere. The
 * gradient flows where the input was inside the range (ends included).
 */
export function clamp(x: Tensor, min?: number | null, max?: number | null): Tensor {
  if (min == null && max == null) throw new TypeError("clamp: at least one of min and max must be given");
  for (const [name, v] of [
    ["min", min],
    ["max", max],
  ] as const)
    if (v != null && typeof v !== "number")
      throw new TypeError(`clamp: ${name} must be a number or null, got ${show(v)}`);
  let out = x;
  if (min != null) out = where(x.lt(min), scalar(min, x.dtype, x.device), out);
  // Compared with the lower-clamped values, so that min > max ends at max everywhere.
  if (max != null) out = where(out.gt(max), scalar(max, x.dtype, x.device), out);
  return out;
}
