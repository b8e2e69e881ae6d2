/** Shape arithmetic: sizes, strides, broadcasting and dim normalisation, with errors that name the op. */

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

export function checkShape(shape: unknown, op: string): number[] {
  if (!Array.isArray(shape))
    throw new TypeError(`${op}: shape must be an array of sizes, got ${String(shape)}`);
  for (const s of shape)
    if (!Number.isInteger(s) || s < 0)
      throw new RangeError(
        `${op}: shape ${JSON.stringify(shape)} has an invalid size ${s}; sizes are integers >= 0`,
      );
  return shape.slice();
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

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((s, i) => s === b[i]);
}
