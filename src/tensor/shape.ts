/** Shape arithmetic: sizes, strides, broadcasting and dim normalisation, with errors that name the op. */
import { show } from "../util/options.js";

export type Shape = readonly number[];

export function numelOf(shape: Shape): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d];
  }
  return strides;
}

export function fmtShape(shape: Shape): string {
  return `[${shape.join(", ")}]`;
}

/**
 * The most elements one tensor may hold: V8's limit on a typed array's length. A larger shape is
 * refused before anything is allocated, with an error naming the op and the shape (instead of V8's
 * bare "Invalid typed array length").
 */
export const MAX_NUMEL = 2 ** 32;

/** Throws unless numelOf(shape) fits in one tensor; the shape's sizes are already valid integers. */
export function checkAllocation(shape: Shape, op: string): void {
  const n = numelOf(shape);
  if (n > MAX_NUMEL)
    throw new RangeError(
      `${op}: shape ${fmtShape(shape)} has ${n.toExponential(3)} elements, more than the ${MAX_NUMEL} (2^32) one tensor can hold`,
    );
  if (!Number.isInteger(n) || n < 0)
    throw new RangeError(`${op}: shape ${fmtShape(shape)} is not a shape; sizes are integers >= 0`);
}

/** A copy of `shape` after checking that it is an array of integer sizes >= 0 that fits in memory. */
export function checkShape(shape: unknown, op: string): number[] {
  if (!Array.isArray(shape))
    throw new TypeError(`${op}: shape must be an array of sizes such as [2, 3], got ${show(shape)}`);
  for (const s of shape)
    if (typeof s !== "number" || !Number.isInteger(s) || s < 0)
      throw new RangeError(
        `${op}: shape [${shape.map(show).join(", ")}] has an invalid size ${show(s)}; sizes are integers >= 0`,
      );
  checkAllocation(shape, op);
  return shape.slice();
}

/**
 * The sizes (or dims) given to a method that PyTorch lets take them either as one array or as
 * separate integers: `x.view(2, 3)` and `x.view([2, 3])`. Anything else is an error that says how
 * to write it. The sizes themselves are checked by the op.
 */
export function sizesArg(args: readonly unknown[], op: string, what = "shape"): number[] {
  if (args.length === 1 && Array.isArray(args[0])) return args[0].slice();
  if (args.every((a) => typeof a === "number")) return args.slice() as number[];
  throw new TypeError(
    `${op}: ${what} must be integers or one array of integers, e.g. x.${op}(2, 3) or x.${op}([2, 3]); got (${args.map(show).join(", ")})`,
  );
}

/** Throws unless `sizes` is an array of integers (the movement ops' shape and dims arguments). */
export function checkIntArray(sizes: unknown, op: string, what: string): readonly number[] {
  let ok = Array.isArray(sizes);
  for (let i = 0; ok && i < (sizes as unknown[]).length; i++) ok = Number.isInteger((sizes as unknown[])[i]);
  if (!ok)
    throw new TypeError(`${op}: ${what} must be an array of integers such as [2, 3], got ${show(sizes)}`);
  return sizes as readonly number[];
}

/** Turns a possibly negative dim into an index in [0, ndim). */
export function normDim(dim: number, ndim: number, op: string): number {
  const lo = ndim === 0 ? -1 : -ndim;
  const hi = ndim === 0 ? 0 : ndim - 1;
  if (!Number.isInteger(dim) || dim < lo || dim > hi)
    throw new RangeError(
      `${op}: dim ${dim} is out of range for a tensor with ${ndim} dims (expected ${lo}..${hi})`,
    );
  return dim < 0 ? dim + Math.max(ndim, 1) : dim;
}

/** Normalises one dim or a list of dims (sorted, unique); undefined means every dim. */
export function normDims(dim: number | readonly number[] | undefined, ndim: number, op: string): number[] {
  if (dim === undefined) return Array.from({ length: ndim }, (_, i) => i);
  const list = typeof dim === "number" ? [dim] : dim;
  if (!Array.isArray(list))
    throw new TypeError(`${op}: dim must be an integer or an array of integers, got ${show(dim)}`);
  const out = [...new Set(list.map((d) => normDim(d, ndim, op)))];
  if (out.length !== list.length) throw new RangeError(`${op}: dim ${JSON.stringify(dim)} repeats a dim`);
  return out.sort((a, b) => a - b);
}

/** PyTorch's broadcasting: align right; each pair of sizes must be equal or one of them 1. */
export function broadcastShapes(op: string, ...shapes: Shape[]): number[] {
  const nd = Math.max(...shapes.map((s) => s.length));
  const out = new Array<number>(nd).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const d = nd - s.length + i;
      const size = s[i];
      if (out[d] === 1) out[d] = size;
      else if (size !== 1 && size !== out[d])
        throw new RangeError(
          `${op}: shapes ${shapes.map(fmtShape).join(" and ")} cannot be broadcast together (dim ${d - nd}: ${out[d]} vs ${size})`,
        );
    }
  }
  return out;
}

/** Strides that read a tensor of `shape`/`strides` as if it had `target` shape (0 where broadcast). */
export function broadcastStrides(shape: Shape, strides: Shape, target: Shape): number[] {
  const out = new Array<number>(target.length).fill(0);
  const lead = target.length - shape.length;
  for (let i = 0; i < shape.length; i++) out[lead + i] = shape[i] === 1 ? 0 : strides[i];
  return out;
}

// Plain loops: these run for every op (a WebGPU training step's host time is mostly such checks).
export function sameShape(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
