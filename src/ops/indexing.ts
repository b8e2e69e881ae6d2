/** Integer indexing (gather, indexSelect, scatterAdd, indexAdd, advanced indexing) and cat/stack/split/chunk. */
import { Tensor, type IndexSpec } from "../tensor/tensor.js";
import { promote } from "../tensor/dtype.js";
import { backendOf } from "../tensor/device.js";
import { fmtShape, normDim, numelOf } from "../tensor/shape.js";
import { defineOp } from "./define.js";
import { cast } from "./elementwise.js";
import { contiguous, freshCopy, narrow, reshape, select, slice, unsqueeze } from "./movement.js";

function checkIndex(idx: Tensor, size: number, op: string): Int32Array {
  if (!(idx instanceof Tensor)) throw new TypeError(`${op}: index must be an int32 tensor`);
  if (idx.dtype !== "int32") throw new TypeError(`${op}: index must be an int32 tensor, got ${idx.dtype}`);
  const c = contiguous(idx);
  const data = c.storage.subarray(c.offset, c.offset + c.numel()) as Int32Array;
  // Bounds are checked where the host can see the indices; a GPU kernel must guard its own reads.
  if (!backendOf(c).hostVisible) return data;
  for (let i = 0; i < data.length; i++)
    if (data[i] < 0 || data[i] >= size)
      throw new RangeError(`${op}: index ${data[i]} is out of bounds for a dim of size ${size}`);
  return data;
}

function flat(t: Tensor) {
  const c = contiguous(t);
  return c.storage.subarray(c.offset, c.offset + c.numel());
}

function blockDims(shape: readonly number[], d: number) {
  return { outer: numelOf(shape.slice(0, d)), size: shape[d], inner: numelOf(shape.slice(d + 1)) };
}

// ---- gather / scatterAdd ---------------------------------------------------------------------------

function checkGatherShapes(x: Tensor, d: number, idx: Tensor, op: string): void {
  if (idx.ndim !== x.ndim)
    throw new RangeError(
      `${op}: index has ${idx.ndim} dims but the input has ${x.ndim} (shapes ${fmtShape(idx.shape)} and ${fmtShape(x.shape)})`,
    );
  idx.shape.forEach((s, i) => {
    if (i !== d && s !== x.shape[i])
      throw new RangeError(
        `${op}: index shape ${fmtShape(idx.shape)} must match the input shape ${fmtShape(x.shape)} except in dim ${d}`,
      );
  });
}

const Gather = defineOp<number>({
  name: "gather",
  forward: ([x, idx], d) => {
    const ix = checkIndex(idx, x.shape[d], "gather");
    const { outer, size, inner } = blockDims(x.shape, d);
    const out = Tensor.uninitialized(idx.shape, x.dtype, x.device); // every element is gathered
    backendOf(x).gather(flat(x), ix, out.storage, outer, size, idx.shape[d], inner);
    return out;
  },
  vjp: (g, [x, idx], _out, d) => [scatterAdd(Tensor.empty(x.shape, g.dtype, g.device), d, idx, g), null],
});

/** out[i][j][k] = x[i][idx[i][j][k]][k] for dim 1 (and likewise for any dim). */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  const d = normDim(dim, x.ndim, "gather");
  checkGatherShapes(x, d, index, "gather");
  return Gather([x, index], d);
}

const ScatterAdd = defineOp<number>({
  name: "scatterAdd",
  forward: ([x, idx, src], d) => {
    const ix = checkIndex(idx, x.shape[d], "scatterAdd");
    const { outer, size, inner } = blockDims(x.shape, d);
    const out = freshCopy(x);
    backendOf(x).scatterAdd(out.storage, ix, flat(cast(src, x.dtype)), outer, size, idx.shape[d], inner);
    return out;
  },
  vjp: (g, [, idx], _out, d) => [g, null, gather(g, d, idx)],
});

/** A copy of x with src[i][j][k] added at x[i][idx[i][j][k]][k] (for dim 1); src has idx's shape. */
export function scatterAdd(x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  const d = normDim(dim, x.ndim, "scatterAdd");
  checkGatherShapes(x, d, index, "scatterAdd");
  if (src.shape.length !== index.ndim || src.shape.some((s, i) => s !== index.shape[i]))
    throw new RangeError(
      `scatterAdd: src shape ${fmtShape(src.shape)} must equal the index shape ${fmtShape(index.shape)}`,
    );
  return ScatterAdd([x, index, src], d);
}

// ---- indexSelect / indexAdd --------------------------------------------------------------------

const IndexSelect = defineOp<number>({
  name: "indexSelect",
  forward: ([x, idx], d) => {
    const ix = checkIndex(idx, x.shape[d], "indexSelect");
    const { outer, size, inner } = blockDims(x.shape, d);
    const shape = x.shape.slice();
    shape[d] = ix.length;
    const out = Tensor.uninitialized(shape, x.dtype, x.device); // every row is selected
    backendOf(x).indexSelect(flat(x), ix, out.storage, outer, size, inner);
    return out;
  },
  // Added straight into fresh zeros: indexAdd would first copy them (a kernel call, on a GPU a dispatch).
  vjp: (g, [x, idx], _out, d) => [addAt(Tensor.empty(x.shape, g.dtype, g.device), d, idx, g), null],
});

/** Adds the slices of src into `out` at `idx` along d, in place (`out` is the caller's own new tensor). */
function addAt(out: Tensor, d: number, idx: Tensor, src: Tensor): Tensor {
  const ix = checkIndex(idx, out.shape[d], "indexAdd");
  const { outer, size, inner } = blockDims(out.shape, d);
  backendOf(out).indexAdd(out.storage, ix, flat(cast(src, out.dtype)), outer, size, inner);
  return out;
}

/** The entries of x at the positions `index` (1-d int32) along `dim`. */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  const d = normDim(dim, x.ndim, "indexSelect");
  if (index.ndim > 1)
    throw new RangeError(`indexSelect: index must be 1-d, got shape ${fmtShape(index.shape)}`);
  return IndexSelect([x, reshape(index, [-1])], d);
}

const IndexAdd = defineOp<number>({
  name: "indexAdd",
  forward: ([x, idx, src], d) => addAt(freshCopy(x), d, idx, src),
  vjp: (g, [, idx], _out, d) => [g, null, indexSelect(g, d, idx)],
});

/** A copy of x with the slices of src added at positions `index` along `dim` (repeats accumulate). */
export function indexAdd(x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  const d = normDim(dim, x.ndim, "indexAdd");
  const want = x.shape.slice();
  want[d] = index.numel();
  if (src.ndim !== want.length || src.shape.some((s, i) => s !== want[i]))
    throw new RangeError(`indexAdd: src shape ${fmtShape(src.shape)} should be ${fmtShape(want)}`);
  return IndexAdd([x, reshape(index, [-1]), src], d);
}

// ---- PyTorch-style indexing ----------------------------------------------------------------------

function parseSlice(spec: string): [number | null, number | null, number] {
  const parts = spec.split(":").map((p) => p.trim());
  if (parts.length > 3 || parts.some((p) => p !== "" && !/^-?\d+$/.test(p)))
    throw new SyntaxError(
      `index: cannot parse the slice "${spec}"; expected "start:stop:step" with integers`,
    );
  const num = (p: string | undefined) => (p === undefined || p === "" ? null : Number(p));
  return [num(parts[0]), num(parts[1]), num(parts[2]) ?? 1];
}

export function index(x: Tensor, specs: readonly IndexSpec[]): Tensor {
  const ellipsis = specs.indexOf("...");
  const used = specs.filter((s) => s !== "...").length;
  if (used > x.ndim) throw new RangeError(`index: ${used} indices for a tensor with ${x.ndim} dims`);
  const full: IndexSpec[] =
    ellipsis >= 0
      ? [
          ...specs.slice(0, ellipsis),
          ...new Array<IndexSpec>(x.ndim - used).fill(null),
          ...specs.slice(ellipsis + 1),
        ]
      : [...specs];
  let out = x;
  let dim = 0;
  let advanced: { dim: number; idx: Tensor } | null = null;
  for (const s of full) {
    if (typeof s === "number") {
      out = select(out, dim, s);
    } else if (s === null || s === ":") {
      dim++;
    } else if (typeof s === "string") {
      if (s === "...") throw new SyntaxError("index: at most one ... is allowed");
      const [a, b, c] = parseSlice(s);
      out = slice(out, dim++, a, b, c);
    } else if (Array.isArray(s)) {
      out = slice(out, dim++, s[0] ?? null, s[1] ?? null, s[2] ?? 1);
    } else if (s instanceof Tensor) {
      if (advanced !== null)
        throw new Error("index: only one tensor index is supported; use gather for more");
      if (s.dtype === "bool")
        throw new TypeError("index: bool mask indexing is not supported; use maskedFill or where");
      advanced = { dim: dim++, idx: s };
    } else {
      throw new TypeError(`index: unsupported index ${String(s)}`);
    }
  }
  if (advanced !== null) {
    const { dim: d, idx } = advanced;
    const picked = indexSelect(out, d, reshape(idx, [-1]));
    out = reshape(picked, [...out.shape.slice(0, d), ...idx.shape, ...out.shape.slice(d + 1)]);
  }
  return out;
}

// ---- cat / stack / split / chunk ----------------------------------------------------------------

const Cat = defineOp<number>({
  name: "cat",
  forward: (xs, d) => {
    const shape = xs[0].shape.slice();
    shape[d] = xs.reduce((n, t) => n + t.shape[d], 0);
    const out = Tensor.empty(shape, xs[0].dtype, xs[0].device);
    let at = 0;
    for (const t of xs) {
      const dst = narrow(out, d, at, t.shape[d]);
      backendOf(out).copy(
        { data: t.storage, offset: t.offset, strides: t.strides },
        { data: out.storage, offset: dst.offset, strides: dst.strides },
        t.shape,
      );
      at += t.shape[d];
    }
    return out;
  },
  vjp: (g, xs, _out, d) => {
    let at = 0;
    return xs.map((t) => {
      const part = narrow(g, d, at, t.shape[d]);
      at += t.shape[d];
      return part;
    });
  },
});

/** Concatenates tensors along an existing dim. */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (!tensors || tensors.length === 0) throw new RangeError("cat: expects a non-empty list of tensors");
  const first = tensors[0];
  const d = normDim(dim, first.ndim, "cat");
  for (const t of tensors) {
    if (t.ndim !== first.ndim || t.shape.some((s, i) => i !== d && s !== first.shape[i]))
      throw new RangeError(
        `cat: shapes ${tensors.map((x) => fmtShape(x.shape)).join(", ")} must match except in dim ${dim}`,
      );
  }
  const dtype = tensors.map((t) => t.dtype).reduce(promote);
  return Cat(
    tensors.map((t) => cast(t, dtype)),
    d,
  );
}

/** Stacks equally shaped tensors along a new dim. */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (!tensors || tensors.length === 0) throw new RangeError("stack: expects a non-empty list of tensors");
  const first = tensors[0];
  for (const t of tensors)
    if (t.ndim !== first.ndim || t.shape.some((s, i) => s !== first.shape[i]))
      throw new RangeError(
        `stack: all tensors must have the same shape, got ${tensors.map((x) => fmtShape(x.shape)).join(", ")}`,
      );
  const d = normDim(dim, first.ndim + 1, "stack");
  return cat(
    tensors.map((t) => unsqueeze(t, d)),
    d,
  );
}

/** Splits into pieces of `splitSize` along dim (the last may be smaller), or into the listed sizes. */
export function split(x: Tensor, splitSize: number | readonly number[], dim = 0): Tensor[] {
  const d = normDim(dim, x.ndim, "split");
  const size = x.shape[d];
  let sizes: number[];
  if (typeof splitSize === "number") {
    if (!Number.isInteger(splitSize) || splitSize <= 0)
      throw new RangeError(`split: splitSize must be a positive integer, got ${splitSize}`);
    sizes = [];
    for (let at = 0; at < size; at += splitSize) sizes.push(Math.min(splitSize, size - at));
  } else {
    sizes = [...splitSize];
    const total = sizes.reduce((a, b) => a + b, 0);
    if (total !== size)
      throw new RangeError(
        `split: sizes ${fmtShape(sizes)} sum to ${total}, but dim ${dim} has size ${size}`,
      );
  }
  let at = 0;
  return sizes.map((s) => {
    const part = narrow(x, d, at, s);
    at += s;
    return part;
  });
}

/** Splits into `chunks` nearly equal pieces (PyTorch's chunk: each of size ceil(n / chunks)). */
export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  if (!Number.isInteger(chunks) || chunks <= 0)
    throw new RangeError(`chunk: chunks must be a positive integer, got ${chunks}`);
  const d = normDim(dim, x.ndim, "chunk");
  return split(x, Math.max(1, Math.ceil(x.shape[d] / chunks)), d);
}
