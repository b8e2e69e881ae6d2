/**
 * Strided reads and writes for the element-wise kernels: the host merges dims that are contiguous in
 * every view (as cpu-js does), and the kernel turns a linear index into one offset per view.
 * Parameters: [n, ndim, shape × 8, then for each view: offset, strides × 8].
 */
import { collapse } from "../cpu-js.js";

const MAX_DIMS = 8;

/** A view's start (in elements of its buffer) and strides over the output shape. */
export interface StridedView {
  offset: number;
  strides: readonly number[];
}

/** The parameter words for `views` read over `shape`; the first word is the element count. */
export function stridedParams(
  kernel: string,
  shape: readonly number[],
  views: readonly StridedView[],
): number[] {
  const [cs, strides] = collapse(
    shape,
    views.map((v) => v.strides),
  );
  if (cs.length > MAX_DIMS)
    throw new Error(
      `webgpu ${kernel}: views of more than ${MAX_DIMS} non-mergeable dims are not supported yet`,
    );
  const n = shape.reduce((a, b) => a * b, 1);
  const words = [n, cs.length];
  for (let d = 0; d < MAX_DIMS; d++) words.push(cs[d] ?? 1);
  views.forEach((v, k) => {
    words.push(v.offset >>> 0);
    for (let d = 0; d < MAX_DIMS; d++) words.push((strides[k][d] ?? 0) >>> 0);
  });
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
