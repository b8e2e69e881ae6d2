/**
 * Batched matmul (MatmulParams: transposes, leading dimensions, offsets, batch strides) tiled 16×16 in
 * workgroup memory: each workgroup computes a 16×16 block of one batch's output, one element a thread.
 */
import type { MatmulParams, Storage } from "../types.js";
import { gpuBufferOf } from "./buffer.js";
import type { GpuContext } from "./context.js";
import { bindings } from "./wgsl.js";

const TILE = 16;

function matmulCode(transA: boolean, transB: boolean, decl: string): string {
  // A is m×k, B is k×n; with a transpose flag the storage holds the transposed matrix.
  const aIndex = transA ? "aBase + p * lda + row" : "aBase + row * lda + p";
  const bIndex = transB ? "bBase + col * ldb + p" : "bBase + p * ldb + col";
  return `${decl}
var<workgroup> As: array<array<f32, ${TILE}>, ${TILE}>;
var<workgroup> Bs: array<array<f32, ${TILE}>, ${TILE}>;
@compute @workgroup_size(${TILE}, ${TILE})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let m = pu(0u); let n = pu(1u); let k = pu(2u);
  let lda = pu(3u); let ldb = pu(4u);
  let batch = wid.z;
  let aBase = pu(5u) + batch * pu(7u);
  let bBase = pu(6u) + batch * pu(8u);
  let outRow = wid.y * ${TILE}u + lid.y;
  let outCol = wid.x * ${TILE}u + lid.x;
  var acc = 0.0;
  for (var t = 0u; t < k; t += ${TILE}u) {
    {
      let row = outRow; let p = t + lid.x;
      As[lid.y][lid.x] = select(0.0, b0[${aIndex}], row < m && p < k);
    }
    {
      let col = outCol; let p = t + lid.y;
      Bs[lid.y][lid.x] = select(0.0, b1[${bIndex}], col < n && p < k);
    }
    workgroupBarrier();
    for (var q = 0u; q < ${TILE}u; q++) { acc = fma(As[lid.y][q], Bs[q][lid.x], acc); }
    workgroupBarrier();
  }
  if (outRow < m && outCol < n) { b2[pu(9u) + (batch * m + outRow) * n + outCol] = acc; }
}`;
}

export function matmul(ctx: GpuContext, as: Storage, bs: Storage, outs: Storage, p: MatmulParams): void {
  const a = gpuBufferOf(as, "matmul");
  const b = gpuBufferOf(bs, "matmul");
  const out = gpuBufferOf(outs, "matmul");
  for (const x of [a, b, out])
    if (x.dtype !== "float32") throw new Error(`webgpu matmul: float32 only, got ${x.dtype}`);
  if (p.batch > 65535) throw new Error(`webgpu matmul: a batch of ${p.batch} exceeds 65535`);
  ctx.run({
    kernel: "matmul",
    code: matmulCode(p.transA, p.transB, bindings([a, b, out])),
    buffers: [a, b, out],
    params: [
      p.m,
      p.n,
      p.k,
      p.lda,
      p.ldb,
      a.offset + p.aOffset,
      b.offset + p.bOffset,
      p.aBatchStride,
      p.bBatchStride,
      out.offset,
    ],
    groups: [Math.ceil(p.n / TILE), Math.ceil(p.m / TILE), p.batch],
  });
}
