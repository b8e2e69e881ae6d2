/** Reductions over any dims with keepdim: sum, mean, prod, amax/amin, max/min with indices, argmax, var, std. */
import type { ReduceOp } from "../backend/index.js";
import { backendOf } from "../tensor/device.js";
import { Tensor, type Dims } from "../tensor/tensor.js";
import { isFloating, toFloat, type DType } from "../tensor/dtype.js";
import { fmtShape, normDim, normDims, numelOf, type Shape } from "../tensor/shape.js";
import { defineOp } from "./define.js";
import { cast } from "./elementwise.js";
import { contiguous, expand, permute, reshape, squeeze } from "./movement.js";
import { gather } from "./indexing.js";
import { optionsOf, show } from "../util/options.js";

interface ReduceAttrs {
  op: ReduceOp;
  dims: number[];
  keepdim: boolean;
  dtype: DType;
}

function keptShape(shape: Shape, dims: readonly number[], keepdim: boolean): number[] {
  const out: number[] = [];
  shape.forEach((s, i) => {
    if (!dims.includes(i)) out.push(s);
    else if (keepdim) out.push(1);
  });
  return out;
}

/** Lays x out as a contiguous [outer, size, inner] block with the reduced dims in the middle. */
function asBlock(
  x: Tensor,
  dims: readonly number[],
): { data: Tensor; outer: number; size: number; inner: number } {
  const isBlock = dims.every((d, i) => i === 0 || d === dims[i - 1] + 1);
  if (isBlock && dims.length > 0) {
    const a = dims[0];
    const b = dims[dims.length - 1];
    return {
      data: contiguous(x),
      outer: numelOf(x.shape.slice(0, a)),
      size: numelOf(x.shape.slice(a, b + 1)),
      inner: numelOf(x.shape.slice(b + 1)),
    };
  }
  const kept = x.shape.map((_, i) => i).filter((i) => !dims.includes(i));
  const moved = contiguous(permute(x, [...kept, ...dims]));
  return {
    data: moved,
    outer: numelOf(kept.map((i) => x.shape[i])),
    size: numelOf(dims.map((i) => x.shape[i])),
    inner: 1,
  };
}

function runReduce(x: Tensor, { op, dims, keepdim, dtype }: ReduceAttrs): Tensor {
  const { data, outer, size, inner } = asBlock(cast(x, dtype), dims);
  // Every backend's reduce writes each output (an empty reduction its initial value): no zeroing.
  const out = Tensor.uninitialized(keptShape(x.shape, dims, keepdim), dtype, x.device);
  backendOf(x).reduce(
    op,
    data.storage.subarray(data.offset, data.offset + data.numel()),
    out.storage,
    outer,
    size,
    inner,
  );
  return out;
}

/** Broadcasts a reduced gradient back over the reduced dims. */
function unreduce(g: Tensor, x: Tensor, dims: readonly number[], keepdim: boolean): Tensor {
  const kept = keepdim ? g : reshape(g, keptShape(x.shape, dims, true));
  return expand(kept, x.shape);
}

const Reduce = defineOp<ReduceAttrs>({
  name: "reduce",
  forward: ([x], attrs) => runReduce(x, attrs),
  vjp: (g, [x], out, { op, dims, keepdim }) => {
    if (op === "sum") return [unreduce(g, x, dims, keepdim)];
    if (op === "prod") return [unreduce(g.mul(out), x, dims, keepdim).div(x)];
    // amax/amin: the gradient is shared evenly among the elements equal to the extreme, as in PyTorch.
    const hit = x.eq(unreduce(out, x, dims, keepdim)).to(g.dtype);
    const count = hit.sum(dims, true);
    return [unreduce(g, x, dims, keepdim).mul(hit).div(count)];
  },
});

/** keepdim is true or false, as in PyTorch (x.sum(0, 1) is not x.sum([0, 1])). */
function checkKeepdim(keepdim: unknown, op: string): void {
  if (typeof keepdim !== "boolean")
    throw new TypeError(
      `${op}: keepdim must be true or false, got ${show(keepdim)}${typeof keepdim === "number" ? "; to reduce several dims pass an array: [0, 1]" : ""}`,
    );
}

/**
 * The dims a sum/mean/amax/amin/var reduces over. An empty list means every dim, as in PyTorch
 * (`x.sum([])` is `x.sum()`), not "reduce nothing".
 */
function reducedDims(dim: Dims | undefined, ndim: number, op: string): number[] {
  return normDims(Array.isArray(dim) && dim.length === 0 ? undefined : dim, ndim, op);
}

function checkNonEmpty(x: Tensor, dims: readonly number[], op: string): void {
  if (dims.some((d) => x.shape[d] === 0) || (x.ndim === 0 && x.numel() === 0))
    throw new RangeError(`${op}: cannot reduce over an empty dim of a tensor of shape ${fmtShape(x.shape)}`);
}

export function sum(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  const dims = reducedDims(dim, x.ndim, "sum");
  checkKeepdim(keepdim, "sum");
  const dtype = x.dtype === "bool" ? "int32" : x.dtype;
  return Reduce([x], { op: "sum", dims, keepdim, dtype });
}

export function mean(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  const dims = reducedDims(dim, x.ndim, "mean");
  checkKeepdim(keepdim, "mean");
  if (!isFloating(x.dtype))
    throw new TypeError(`mean: expects a floating-point tensor, got ${x.dtype}; cast it with .float()`);
  const n = numelOf(dims.map((d) => x.shape[d]));
  return sum(x, dims, keepdim).div(n);
}

export function prod(x: Tensor, dim?: number, keepdim = false): Tensor {
  const dims = normDims(dim, x.ndim, "prod");
  checkKeepdim(keepdim, "prod");
  const dtype = x.dtype === "bool" ? "int32" : x.dtype;
  return Reduce([x], { op: "prod", dims, keepdim, dtype });
}

export function amax(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  const dims = reducedDims(dim, x.ndim, "amax");
  checkKeepdim(keepdim, "amax");
  checkNonEmpty(x, dims, "amax");
  return Reduce([x], { op: "max", dims, keepdim, dtype: x.dtype });
}

export function amin(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  const dims = reducedDims(dim, x.ndim, "amin");
  checkKeepdim(keepdim, "amin");
  checkNonEmpty(x, dims, "amin");
  return Reduce([x], { op: "min", dims, keepdim, dtype: x.dtype });
}

function argReduce(x: Tensor, dim: number | undefined, keepdim: boolean, op: "argmax" | "argmin"): Tensor {
  if (dim === undefined) {
    const flat = reshape(x, [-1]);
    const r = argReduce(flat, 0, false, op);
    return keepdim
      ? reshape(
          r,
          x.shape.map(() => 1),
        )
      : r;
  }
  const d = normDim(dim, x.ndim, op);
  checkNonEmpty(x, [d], op);
  const { data, outer, size, inner } = asBlock(x, [d]);
  const out = Tensor.empty(keptShape(x.shape, [d], keepdim), "int32", x.device);
  backendOf(x).argReduce(
    op,
    data.storage.subarray(data.offset, data.offset + data.numel()),
    out.storage as Int32Array,
    outer,
    size,
    inner,
  );
  return out;
}

export function argmax(x: Tensor, dim?: number, keepdim = false): Tensor {
  checkKeepdim(keepdim, "argmax");
  return argReduce(x.detach(), dim, keepdim, "argmax");
}

export function argmin(x: Tensor, dim?: number, keepdim = false): Tensor {
  checkKeepdim(keepdim, "argmin");
  return argReduce(x.detach(), dim, keepdim, "argmin");
}

/**
 * The result of max(dim) and min(dim), as PyTorch's named tuple: `.values` and `.indices`, also
 * readable as `[0]` and `[1]` and by destructuring (`const [values, indices] = x.max(1)`).
 */
export class ValuesIndices {
  readonly 0: Tensor;
  readonly 1: Tensor;
  readonly length = 2;

  constructor(
    readonly values: Tensor,
    readonly indices: Tensor,
  ) {
    this[0] = values;
    this[1] = indices;
  }

  *[Symbol.iterator](): Iterator<Tensor> {
    yield this.values;
    yield this.indices;
  }
}

/** { values, indices } of the max (or min) over one dim; the gradient goes to the first extreme element. */
export function maxDim(x: Tensor, dim: number, keepdim: boolean, which: "max" | "min"): ValuesIndices {
  const d = normDim(dim, x.ndim, which);
  checkKeepdim(keepdim, which);
  const idx = argReduce(x.detach(), d, true, which === "max" ? "argmax" : "argmin");
  const values = gather(x, d, idx);
  return keepdim ? new ValuesIndices(values, idx) : new ValuesIndices(squeeze(values, d), squeeze(idx, d));
}

export function variance(
  x: Tensor,
  dim?: Dims,
  options?: { correction?: number; keepdim?: boolean },
): Tensor {
  const dims = reducedDims(dim, x.ndim, "var");
  const opts = optionsOf("var", options, ["correction", "keepdim"]);
  checkKeepdim(opts.keepdim ?? false, "var");
  const xf = cast(x, toFloat(x.dtype));
  const n = numelOf(dims.map((d) => x.shape[d]));
  const centered = xf.sub(mean(xf, dims, true));
  return sum(centered.mul(centered), dims, opts.keepdim ?? false).div(
    Math.max(0, n - (opts.correction ?? 1)),
  );
}

export function std(x: Tensor, dim?: Dims, opts: { correction?: number; keepdim?: boolean } = {}): Tensor {
  return variance(x, dim, opts).sqrt();
}

/** Sums a broadcast gradient back to `shape` (leading dims and dims that were size 1). */
export function sumToShape(g: Tensor, shape: Shape, op: string): Tensor {
  const lead = g.ndim - shape.length;
  if (lead < 0)
    throw new Error(`${op}: gradient of shape ${fmtShape(g.shape)} cannot be reduced to ${fmtShape(shape)}`);
  const dims: number[] = [];
  for (let i = 0; i < g.ndim; i++) if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) dims.push(i);
  const s = dims.length > 0 ? sum(g, dims, true) : g;
  return reshape(s, shape);
}
