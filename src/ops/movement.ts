/** Movement ops. Most are views: they share the storage and only change shape, strides and offset. */
import { Tensor, type Dims } from "../tensor/tensor.js";
import {
  checkAllocation,
  checkIntArray,
  contiguousStrides,
  fmtShape,
  normDim,
  normDims,
  numelOf,
  type Shape,
} from "../tensor/shape.js";
import { backendFor, backendOf, hostData, type Device } from "../tensor/device.js";
import type { Storage } from "../tensor/dtype.js";
import { defineOp, type Op } from "./define.js";

export function dimIndex(x: Tensor, dim: number, op: string): number {
  return normDim(dim, x.ndim, op);
}

interface ViewAttrs {
  shape: Shape;
  strides: Shape;
  offset: number;
}

/** Where a view of a tensor `t` (of the input's shape) lies in t's storage. */
type ViewFn = (t: Tensor) => ViewAttrs;

/**
 * A view of the input's storage. Its gradient is written through the same view of a zero tensor of
 * the input's shape, so every slicing op shares one vjp.
 */
const StridedView = defineOp<{ name: string; at: ViewFn }>({
  name: "view",
  forward: ([x], { at }) => {
    const v = at(x);
    return new Tensor(x.storage, v.shape, v.strides, v.offset, x.device);
  },
  vjp: (g, [x], _out, { at }) => {
    const base = Tensor.empty(x.shape, g.dtype, g.device);
    const v = at(base);
    backendOf(g).copy(
      { data: g.storage, offset: g.offset, strides: g.strides },
      { data: base.storage, offset: v.offset, strides: v.strides },
      g.shape,
    );
    return [base];
  },
});

function makeView(x: Tensor, name: string, at: ViewFn): Tensor {
  return StridedView([x], { name, at });
}

/** A view with new shape and strides over the same elements in the same order; its gradient is a reshape. */
const Reshaped = defineOp<ViewAttrs>({
  name: "reshape",
  forward: ([x], a) => new Tensor(x.storage, a.shape, a.strides, a.offset, x.device),
  vjp: (g, [x]) => [reshape(g, x.shape)],
});

// ---- reshape / view ------------------------------------------------------------------------------

function inferShape(x: Tensor, shape: Shape, op: string): number[] {
  const out = checkIntArray(shape, op, "shape").slice();
  const neg = out.indexOf(-1);
  if (out.some((s, i) => !Number.isInteger(s) || s < -1 || (s === -1 && i !== neg)))
    throw new RangeError(`${op}: invalid shape ${fmtShape(shape)} (sizes are integers >= 0, at most one -1)`);
  const known = out.reduce((p, s) => (s === -1 ? p : p * s), 1);
  const n = x.numel();
  if (neg >= 0) {
    if (known === 0 || n % known !== 0)
      throw new RangeError(
        `${op}: shape ${fmtShape(shape)} is invalid for input of shape ${fmtShape(x.shape)} (${n} elements)`,
      );
    out[neg] = n / known;
  } else if (known !== n) {
    throw new RangeError(
      `${op}: shape ${fmtShape(shape)} is invalid for input of shape ${fmtShape(x.shape)} (${n} elements)`,
    );
  }
  return out;
}

/** Strides that view x as `shape` without a copy, or null when the memory layout does not allow it. */
function viewStrides(x: Tensor, shape: Shape): number[] | null {
  if (x.isContiguous()) return contiguousStrides(shape);
  // Walk x's dims in chunks that are contiguous among themselves and match them to chunks of `shape`.
  const out = new Array<number>(shape.length);
  let viewD = shape.length - 1;
  let chunkBase = x.strides[x.ndim - 1] ?? 1;
  let tensorNumel = 1;
  let viewNumel = 1;
  for (let d = x.ndim - 1; d >= 0; d--) {
    tensorNumel *= x.shape[d];
    if (d === 0 || (x.shape[d - 1] !== 1 && x.strides[d - 1] !== tensorNumel * chunkBase)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || shape[viewD] === 1)) {
        out[viewD] = viewNumel * chunkBase;
        viewNumel *= shape[viewD];
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (d > 0) {
        chunkBase = x.strides[d - 1];
        tensorNumel = 1;
        viewNumel = 1;
      }
    }
  }
  return viewD === -1 ? out : null;
}

export function view(x: Tensor, shape: Shape): Tensor {
  const s = inferShape(x, shape, "view");
  const strides = viewStrides(x, s);
  if (strides === null)
    throw new Error(
      `view: a tensor of shape ${fmtShape(x.shape)} with strides ${fmtShape(x.strides)} cannot be viewed as ${fmtShape(s)}; use reshape() (which copies)`,
    );
  return Reshaped([x], { shape: s, strides, offset: x.offset });
}

/** Like view, but copies when the layout requires it. */
export function reshape(x: Tensor, shape: Shape): Tensor {
  const s = inferShape(x, shape, "reshape");
  const strides = viewStrides(x, s);
  if (strides !== null) return Reshaped([x], { shape: s, strides, offset: x.offset });
  return view(contiguous(x), s);
}

export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  if (x.ndim === 0) return reshape(x, [1]);
  const s = dimIndex(x, startDim, "flatten");
  const e = dimIndex(x, endDim, "flatten");
  if (s > e) throw new RangeError(`flatten: startDim ${startDim} comes after endDim ${endDim}`);
  const shape = [...x.shape.slice(0, s), numelOf(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)];
  return reshape(x, shape);
}

export function unflatten(x: Tensor, dim: number, sizes: Shape): Tensor {
  const d = dimIndex(x, dim, "unflatten");
  const inner = inferShape(new Tensor(new Uint8Array(x.shape[d]), [x.shape[d]]), sizes, "unflatten");
  return reshape(x, [...x.shape.slice(0, d), ...inner, ...x.shape.slice(d + 1)]);
}

// ---- dims ----------------------------------------------------------------------------------------

export function permute(x: Tensor, dims: Shape): Tensor {
  checkIntArray(dims, "permute", "dims");
  if (dims.length !== x.ndim)
    throw new RangeError(
      `permute: got ${dims.length} dims ${fmtShape(dims)} for a tensor with ${x.ndim} dims`,
    );
  const d = dims.map((v) => dimIndex(x, v, "permute"));
  if (new Set(d).size !== d.length) throw new RangeError(`permute: dims ${fmtShape(dims)} repeat a dim`);
  return Permuted([x], d);
}

/** Dims in a new order over the same storage; its gradient is g in the inverse order (a view, no copy). */
const Permuted: Op<readonly number[]> = defineOp<readonly number[]>({
  name: "permute",
  forward: ([x], dims) =>
    new Tensor(
      x.storage,
      dims.map((i) => x.shape[i]),
      dims.map((i) => x.strides[i]),
      x.offset,
      x.device,
    ),
  vjp: (g, _inputs, _out, dims) => {
    const inverse = new Array<number>(dims.length);
    dims.forEach((from, to) => (inverse[from] = to));
    return [Permuted([g], inverse)];
  },
});

export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  if (x.ndim < 2 && dim0 === dim1) return x;
  const a = dimIndex(x, dim0, "transpose");
  const b = dimIndex(x, dim1, "transpose");
  const order = x.shape.map((_, i) => (i === a ? b : i === b ? a : i));
  return permute(x, order);
}

export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = normDim(dim, x.ndim + 1, "unsqueeze");
  const shape = [...x.shape];
  const strides = [...x.strides];
  shape.splice(d, 0, 1);
  strides.splice(d, 0, d < x.ndim ? x.strides[d] * x.shape[d] : 1);
  return Reshaped([x], { shape, strides, offset: x.offset });
}

/** Removes size-1 dims (all of them, or those listed; listed dims of another size are kept, as in PyTorch). */
export function squeeze(x: Tensor, dim?: Dims): Tensor {
  const dims = new Set(normDims(dim, x.ndim, "squeeze"));
  const keep = x.shape.map((s, i) => !(s === 1 && dims.has(i)));
  return Reshaped([x], {
    shape: x.shape.filter((_, i) => keep[i]),
    strides: x.strides.filter((_, i) => keep[i]),
    offset: x.offset,
  });
}

export function expand(x: Tensor, shape: Shape): Tensor {
  checkIntArray(shape, "expand", "shape");
  if (shape.some((s) => s < -1))
    throw new RangeError(
      `expand: invalid size in ${fmtShape(shape)}; sizes are integers >= 0, or -1 to keep a dim`,
    );
  if (shape.length < x.ndim)
    throw new RangeError(
      `expand: the target shape ${fmtShape(shape)} has fewer dims than the tensor ${fmtShape(x.shape)}`,
    );
  const lead = shape.length - x.ndim;
  const outShape: number[] = [];
  const strides: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    const src = i - lead;
    const size = shape[i] === -1 && src >= 0 ? x.shape[src] : shape[i];
    if (src < 0) {
      if (size < 0)
        throw new RangeError(`expand: -1 is not allowed for a new leading dim in ${fmtShape(shape)}`);
      outShape.push(size);
      strides.push(0);
    } else if (x.shape[src] === size) {
      outShape.push(size);
      strides.push(x.strides[src]);
    } else if (x.shape[src] === 1) {
      outShape.push(size);
      strides.push(0);
    } else {
      throw new RangeError(
        `expand: the size ${x.shape[src]} of dim ${src} of shape ${fmtShape(x.shape)} cannot be expanded to ${size} (target ${fmtShape(shape)}); only size-1 dims expand`,
      );
    }
  }
  if (outShape.every((s, i) => s === x.shape[i - lead]) && lead === 0) return x;
  return ExpandOp([x], { shape: outShape, strides, offset: x.offset });
}

/** expand's gradient is the broadcast reduction the engine already does, so its vjp passes g through. */
const ExpandOp = defineOp<ViewAttrs>({
  name: "expand",
  forward: ([x], a) => new Tensor(x.storage, a.shape, a.strides, a.offset, x.device),
  vjp: (g) => [g],
});

// ---- slicing -------------------------------------------------------------------------------------

export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  const d = dimIndex(x, dim, "narrow");
  const size = x.shape[d];
  const s = start < 0 ? start + size : start;
  if (!Number.isInteger(s) || !Number.isInteger(length) || s < 0 || length < 0 || s + length > size)
    throw new RangeError(
      `narrow: start ${start} and length ${length} are out of range for dim ${dim} of size ${size}`,
    );
  return slice(x, d, s, s + length);
}

/** Python's x[start:end:step] along one dim (step > 0), as a view. */
export function slice(x: Tensor, dim: number, start?: number | null, end?: number | null, step = 1): Tensor {
  const d = dimIndex(x, dim, "slice");
  if (!Number.isInteger(step) || step <= 0)
    throw new RangeError(`slice: step must be a positive integer, got ${step}`);
  for (const [name, v] of [
    ["start", start],
    ["end", end],
  ] as const)
    if (v != null && !Number.isInteger(v))
      throw new TypeError(`slice: ${name} must be an integer or null, got ${JSON.stringify(v)}`);
  const size = x.shape[d];
  const clampIdx = (v: number) => Math.min(Math.max(v < 0 ? v + size : v, 0), size);
  const s = start == null ? 0 : clampIdx(start);
  const e = end == null ? size : clampIdx(end);
  const len = Math.max(0, Math.ceil((e - s) / step));
  return makeView(x, "slice", (t) => {
    const shape = t.shape.slice();
    const strides = t.strides.slice();
    shape[d] = len;
    strides[d] = t.strides[d] * step;
    return { shape, strides, offset: t.offset + (len > 0 ? s * t.strides[d] : 0) };
  });
}

export function select(x: Tensor, dim: number, index: number): Tensor {
  const d = dimIndex(x, dim, "select");
  const size = x.shape[d];
  if (!Number.isInteger(index) || index < -size || index >= size)
    throw new RangeError(`select: index ${index} is out of range for dim ${dim} of size ${size}`);
  const i = index < 0 ? index + size : index;
  return makeView(x, "select", (t) => ({
    shape: t.shape.filter((_, k) => k !== d),
    strides: t.strides.filter((_, k) => k !== d),
    offset: t.offset + i * t.strides[d],
  }));
}

// ---- copies --------------------------------------------------------------------------------------

/** A new contiguous tensor with x's elements, on x's device, outside autograd. */
export function freshCopy(x: Tensor): Tensor {
  const out = Tensor.uninitialized(x.shape, x.dtype, x.device);
  backendOf(x).copy(
    { data: x.storage, offset: x.offset, strides: x.strides },
    { data: out.storage, offset: 0, strides: contiguousStrides(x.shape) },
    x.shape,
  );
  return out;
}

const Copy = defineOp<string>({
  name: "copy",
  forward: ([x]) => freshCopy(x),
  vjp: (g) => [g],
});

/**
 * A copy on another device, through the host: the source's elements (read synchronously, or
 * already read by toDeviceAsync) are uploaded by the target backend. The gradient goes back the same
 * way, to the input's device.
 */
const ToDevice = defineOp<{ device: Device; host: Storage | null }>({
  name: "to",
  forward: ([x], { device, host }) => {
    const c = contiguous(x);
    const values = host ?? hostData(c, "to", "await t.toAsync(device)").slice(c.offset, c.offset + c.numel());
    return new Tensor(backendFor(device).upload(values), x.shape, undefined, 0, device);
  },
  vjp: (g, [x]) => [toDevice(g, x.device)],
});

/** `x` on `device`: x itself when it is already there, else a differentiable copy. */
export function toDevice(x: Tensor, device: Device): Tensor {
  return x.device === device ? x : ToDevice([x], { device, host: null });
}

/** toDevice for a source the host reads asynchronously (a GPU): the same differentiable copy. */
export async function toDeviceAsync(x: Tensor, device: Device): Promise<Tensor> {
  if (x.device === device) return x;
  return ToDevice([x], { device, host: await x.data() });
}

export function contiguous(x: Tensor): Tensor {
  return x.isContiguous() ? x : Copy([x], "contiguous");
}

export function clone(x: Tensor): Tensor {
  return Copy([x], "clone");
}

export function flip(x: Tensor, dims: Dims): Tensor {
  const ds = new Set(normDims(dims, x.ndim, "flip"));
  const reversed = makeView(x, "flip", (t) => {
    let offset = t.offset;
    const strides = t.strides.map((st, d) => {
      if (!ds.has(d) || t.shape[d] === 0) return st;
      offset += (t.shape[d] - 1) * st;
      return -st;
    });
    return { shape: t.shape, strides, offset };
  });
  return clone(reversed);
}

/** Tiles the tensor `sizes[i]` times along each dim (PyTorch's repeat). */
export function repeat(x: Tensor, sizes: Shape): Tensor {
  checkIntArray(sizes, "repeat", "sizes");
  if (sizes.some((s) => s < 0))
    throw new RangeError(`repeat: repeat sizes ${fmtShape(sizes)} must be integers >= 0`);
  if (sizes.length < x.ndim)
    throw new RangeError(
      `repeat: ${sizes.length} repeat sizes for a tensor with ${x.ndim} dims; give at least one per dim`,
    );
  const lead = sizes.length - x.ndim;
  const shape = [...new Array<number>(lead).fill(1), ...x.shape];
  checkAllocation(
    shape.map((s, i) => s * sizes[i]),
    "repeat",
  );
  let t = reshape(x, shape);
  const inter: number[] = [];
  const outShape: number[] = [];
  shape.forEach((s, i) => {
    inter.push(sizes[i], s);
    outShape.push(sizes[i] * s);
  });
  t = expand(
    reshape(
      t,
      shape.flatMap((s) => [1, s]),
    ),
    inter,
  );
  return reshape(t, outShape);
}
