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
import { bindings, MAIN_64 } from "./wgsl.js";

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
function params(outer: number, size: number, m: number, inner: number, bufs: GpuBuffer[]): number[] {
  return [outer, size, m, inner, ...bufs.map((b) => b.offset)];
}

const DECODE = `
  let size = pu(1u); let m = pu(2u); let inner = pu(3u);
  let total = pu(0u) * m * inner;
  let e = thread_id(wid, nwg, lid);
  if (e >= total) { return; }
  let ii = e % inner;
  let j = (e / inner) % m;
  let o = e / (inner * m);`;

function readKernel(
  name: string,
  x: GpuBuffer,
  idx: GpuBuffer,
  out: GpuBuffer,
  perElementIndex: boolean,
): string {
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

export function indexSelect(
  ctx: GpuContext,
  xs: Storage,
  is: Int32Array,
  outs: Storage,
  outer: number,
  size: number,
  inner: number,
): void {
  const [x, idx, out] = [
    gpuBufferOf(xs, "indexSelect"),
    gpuBufferOf(is, "indexSelect"),
    gpuBufferOf(outs, "indexSelect"),
  ];
  const m = idx.length;
  ctx.run({
    kernel: "indexSelect",
    code: readKernel("indexSelect", x, idx, out, false),
    buffers: [x, idx, out],
    params: params(outer, size, m, inner, [x, idx, out]),
    groups: groupsFor(outer * m * inner),
  });
}

export function indexAdd(
  ctx: GpuContext,
  ds: Storage,
  is: Int32Array,
  ss: Storage,
  outer: number,
  size: number,
  inner: number,
): void {
  const [dst, idx, src] = [
    gpuBufferOf(ds, "indexAdd"),
    gpuBufferOf(is, "indexAdd"),
    gpuBufferOf(ss, "indexAdd"),
  ];
  const m = idx.length;
  ctx.run({
    kernel: "indexAdd",
    code: addKernel(dst, idx, src, false),
    buffers: [dst, idx, src],
    params: params(outer, size, m, inner, [dst, idx, src]),
    groups: groupsFor(outer * m * inner),
  });
}

export function gather(
  ctx: GpuContext,
  xs: Storage,
  is: Int32Array,
  outs: Storage,
  outer: number,
  size: number,
  m: number,
  inner: number,
): void {
  const [x, idx, out] = [gpuBufferOf(xs, "gather"), gpuBufferOf(is, "gather"), gpuBufferOf(outs, "gather")];
  ctx.run({
    kernel: "gather",
    code: readKernel("gather", x, idx, out, true),
    buffers: [x, idx, out],
    params: params(outer, size, m, inner, [x, idx, out]),
    groups: groupsFor(outer * m * inner),
  });
}

export function scatterAdd(
  ctx: GpuContext,
  ds: Storage,
  is: Int32Array,
  ss: Storage,
  outer: number,
  size: number,
  m: number,
  inner: number,
): void {
  const [dst, idx, src] = [
    gpuBufferOf(ds, "scatterAdd"),
    gpuBufferOf(is, "scatterAdd"),
    gpuBufferOf(ss, "scatterAdd"),
  ];
  ctx.run({
    kernel: "scatterAdd",
    code: addKernel(dst, idx, src, true),
    buffers: [dst, idx, src],
    params: params(outer, size, m, inner, [dst, idx, src]),
    groups: groupsFor(outer * m * inner),
  });
}
