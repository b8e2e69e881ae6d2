/**
 * Index kernels: indexSelect and gather read one element per thread; indexAdd and scatterAdd add one
 * source element per thread into the destination with atomics. WGSL has no float atomics, so a float
 * add is a compare-exchange loop on the u32 bits (the order of additions to one element varies, so
 * sums may differ from cpu-js in the last bits). Indices out of range read NaN (0 for integers) and
 * add nothing: the host checks bounds only where it can see the indices.
 */
import type { Storage } from "../types.js";
import { gpuBufferOf, wgslType, type GpuBuffer } from "./buffer.js";
import { groupsFor, type GpuContext } from "./context.js";
import { bindings, cachedCode, MAIN_64, typesOf } from "./wgsl.js";
import { perElement, type WorkOf, type WorkTable } from "./work.js";

/** Work of each kernel (work.ts): one element a thread (index, source, destination). */
const indexWork: WorkOf = (p) => perElement(3)([p[0] * p[2] * p[3]], [0, 0, 0]);
export const WORK: WorkTable = {
  indexSelect: indexWork,
  indexAdd: indexWork,
  gather: indexWork,
  scatterAdd: indexWork,
};

function outOfRange(t: string): string {
  return t === "f32" ? "nan_f32()" : `${t}(0)`;
}

/** WGSL that adds `v` to element `k` of the atomic buffer `name` of element type `t`. */
function atomicAdd(name: string, t: string): string {
  if (t === "i32") return `atomicAdd(&${name}[k], v);`;
  if (t !== "f32") throw new Error("webgpu indexAdd/scatterAdd: float32 or int32 destinations only");
  return `var old = atomicLoad(&${name}[k]);
  loop {
    let r = atomicCompareExchangeWeak(&${name}[k], old, bitcast<u32>(bitcast<f32>(old) + v));
    if (r.exchanged) { break; }
    old = r.old_value;
  }`;
}

/** Parameters: outer, size, m, inner, x/dst offset, idx offset, out/src offset. */
const DECODE = `
  let size = pu(1u); let m = pu(2u); let inner = pu(3u);
  let total = pu(0u) * m * inner;
  let e = thread_id(wid, nwg, lid);
  if (e >= total) { return; }
  let ii = e % inner;
  let j = (e / inner) % m;
  let o = e / (inner * m);`;

function readKernel(x: GpuBuffer, idx: GpuBuffer, out: GpuBuffer, perElementIndex: boolean): string {
  const t = wgslType(x.dtype);
  const index = perElementIndex ? "b1[pu(5u) + e]" : "b1[pu(5u) + j]";
  return `${bindings([x, idx, out])}
${MAIN_64} {${DECODE}
  let r = ${index};
  if (r < 0 || u32(r) >= size) { b2[pu(6u) + e] = ${outOfRange(t)}; return; }
  b2[pu(6u) + e] = b0[pu(4u) + (o * size + u32(r)) * inner + ii];
}`;
}

function addKernel(dst: GpuBuffer, idx: GpuBuffer, src: GpuBuffer, perElementIndex: boolean): string {
  const t = wgslType(dst.dtype);
  const index = perElementIndex ? "b1[pu(5u) + e]" : "b1[pu(5u) + j]";
  return `${bindings([dst, idx, src], [0])}
${MAIN_64} {${DECODE}
  let r = ${index};
  if (r < 0 || u32(r) >= size) { return; }
  let k = pu(4u) + (o * size + u32(r)) * inner + ii;
  let v = b2[pu(6u) + e];
  ${atomicAdd("b0", t)}
}`;
}

type IndexKernel = "indexSelect" | "indexAdd" | "gather" | "scatterAdd";

/**
 * One call of an index kernel on [outer, size, inner] blocks with m indices along the middle dim: `a`
 * is the indexed tensor (x, or dst for the adds), `b` the other one (out, or src).
 */
function runIndex(
  ctx: GpuContext,
  kernel: IndexKernel,
  [as, is, bs]: [Storage, Int32Array, Storage],
  [outer, size, m, inner]: [number, number, number, number],
): void {
  const [a, idx, b] = [as, is, bs].map((s) => gpuBufferOf(s, kernel));
  const perElementIndex = kernel === "gather" || kernel === "scatterAdd";
  const adds = kernel === "indexAdd" || kernel === "scatterAdd";
  ctx.run({
    kernel,
    code: cachedCode(`${kernel}:${typesOf([a, idx, b])}`, () =>
      adds ? addKernel(a, idx, b, perElementIndex) : readKernel(a, idx, b, perElementIndex),
    ),
    buffers: [a, idx, b],
    params: [outer, size, m, inner, a.offset, idx.offset, b.offset],
    groups: groupsFor(outer * m * inner),
  });
}

export const indexSelect = (
  ctx: GpuContext,
  x: Storage,
  idx: Int32Array,
  out: Storage,
  outer: number,
  size: number,
  inner: number,
) => runIndex(ctx, "indexSelect", [x, idx, out], [outer, size, idx.length, inner]);

export const indexAdd = (
  ctx: GpuContext,
  dst: Storage,
  idx: Int32Array,
  src: Storage,
  outer: number,
  size: number,
  inner: number,
) => runIndex(ctx, "indexAdd", [dst, idx, src], [outer, size, idx.length, inner]);

export const gather = (
  ctx: GpuContext,
  x: Storage,
  idx: Int32Array,
  out: Storage,
  outer: number,
  size: number,
  m: number,
  inner: number,
) => runIndex(ctx, "gather", [x, idx, out], [outer, size, m, inner]);

export const scatterAdd = (
  ctx: GpuContext,
  dst: Storage,
  idx: Int32Array,
  src: Storage,
  outer: number,
  size: number,
  m: number,
  inner: number,
) => runIndex(ctx, "scatterAdd", [dst, idx, src], [outer, size, m, inner]);
