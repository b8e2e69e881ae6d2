/**
 * Strided reads and writes for the element-wise kernels: the host merges dims that are contiguous in
 * every view (as cpu-js does), and the kernel turns a linear index into one offset per view.
 * Parameters: [n, ndim, shape × 8, then for each view: offset, strides × 8].
 */
const MAX_DIMS = 8;

/** A view's start (in elements of its buffer) and strides over the output shape. */
export interface StridedView {
  offset: number;
  strides: readonly number[];
}

/** Merged sizes and each view's merged strides (view v's dim d at v * MAX_MERGE + d), reused by every call. */
const MAX_MERGE = 64;
const sizes: number[] = [];
const merged: number[] = [];

/**
 * The parameter words for `views` read over `shape`; the first word is the element count. Dims that
 * are contiguous in every view merge (as cpu-js's collapse does), and nothing is allocated but the
 * returned words: this runs for every element-wise kernel call.
 */
export function stridedParams(
  kernel: string,
  shape: readonly number[],
  views: readonly StridedView[],
): number[] {
  const nv = views.length;
  let nd = 0;
  let n = 1;
  for (let d = 0; d < shape.length; d++) {
    const size = shape[d];
    n *= size;
    if (size === 1) continue;
    let merge = nd > 0;
    for (let v = 0; merge && v < nv; v++)
      merge = merged[v * MAX_MERGE + nd - 1] === views[v].strides[d] * size;
    if (merge) {
      sizes[nd - 1] *= size;
      for (let v = 0; v < nv; v++) merged[v * MAX_MERGE + nd - 1] = views[v].strides[d];
    } else {
      if (nd === MAX_DIMS)
        throw new Error(
          `webgpu ${kernel}: views of more than ${MAX_DIMS} non-mergeable dims are not supported yet`,
        );
      sizes[nd] = size;
      for (let v = 0; v < nv; v++) merged[v * MAX_MERGE + nd] = views[v].strides[d];
      nd++;
    }
  }
  const words = [n, Math.max(nd, 1)];
  for (let d = 0; d < MAX_DIMS; d++) words.push(d < nd ? sizes[d] : 1);
  for (let v = 0; v < nv; v++) {
    words.push(views[v].offset >>> 0);
    for (let d = 0; d < MAX_DIMS; d++) words.push(d < nd ? merged[v * MAX_MERGE + d] >>> 0 : 0);
  }
  return words;
}

/** WGSL declaring `o0, o1, ...` (one offset per view) for linear index `i`, after stridedParams. */
export function stridedOffsets(views: number): string {
  const base = (k: number) => 2 + MAX_DIMS + k * (MAX_DIMS + 1);
  const lines: string[] = [];
  for (let k = 0; k < views; k++) lines.push(`var o${k} = pu(${base(k)}u);`);
  lines.push(`var rem = i;`);
  lines.push(`for (var d = i32(pu(1u)) - 1; d >= 0; d--) {`);
  lines.push(`  let s = pu(${2}u + u32(d)); let c = rem % s; rem = rem / s;`);
  for (let k = 0; k < views; k++) lines.push(`  o${k} += c * pu(${base(k) + 1}u + u32(d));`);
  lines.push(`}`);
  return lines.join("\n  ");
}
