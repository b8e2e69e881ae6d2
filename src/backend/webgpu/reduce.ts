/**
 * Reductions over the middle dim of a contiguous [outer, size, inner] block: one workgroup per output,
 * its 64 threads stride over the reduced dim and combine in workgroup memory. A long reduction with few
 * outputs (a whole tensor's sum: clipping's norm) would leave one workgroup looping over millions of
 * elements while the GPU idles, so it runs in two passes: many workgroups reduce a chunk each into a
 * scratch buffer, then one per output reduces the chunks. A reduction over rows of many columns (a
 * bias gradient: the batch's rows of each feature) would have each workgroup read down one column, 64
 * rows apart; it goes column-wise instead (columnPass), then a workgroup an output sums the blocks.
 * Float sums accumulate in f32 (cpu-js uses
 * float64), so tolerances are float32's.
 */
import type { ReduceOp, Storage } from "../types.js";
import { gpuBufferOf, wgslType, type GpuBuffer } from "./buffer.js";
import { MAX_GROUPS_PER_DIM, type GpuContext } from "./context.js";
import { bindings, cachedCode, convert, MAIN_64, typesOf } from "./wgsl.js";
import { strided, type WorkOf, type WorkTable } from "./work.js";

/** Work of each kernel (work.ts): a workgroup an output (or a chunk of one), its threads striding over it. */
const argWork: WorkOf = ([outer, size, inner]) => ({
  groupSize: 64,
  loop: strided(size),
  bytes: 4 * outer * (size + 1) * inner,
  flops: outer * size * inner,
});
export const WORK: WorkTable = {
  "reduce columns": ([outer, size, inner, , , blocks]) => ({
    groupSize: 64,
    loop: Math.ceil(size / blocks),
    bytes: 4 * outer * inner * (size + blocks),
    flops: outer * size * inner,
  }),
  argmax: argWork,
  argmin: argWork,
  reduce: ([outer, size, inner, , , chunks]) => ({
    groupSize: 64,
    loop: strided(Math.ceil(size / chunks)),
    bytes: 4 * (outer * size * inner + outer * inner * chunks),
    flops: outer * size * inner,
  }),
};

function reduceOps(op: ReduceOp, t: string): { init: string; combine: (a: string, b: string) => string } {
  const isF = t === "f32";
  switch (op) {
    case "sum":
      return { init: `${t}(0)`, combine: (a, b) => `${a} + ${b}` };
    case "prod":
      return { init: `${t}(1)`, combine: (a, b) => `${a} * ${b}` };
    case "max":
      return isF
        ? { init: "neg_inf()", combine: (a, b) => `select(${a}, ${b}, ${b} > ${a} || is_nan(${b}))` }
        : { init: `${t}(-2147483647 - 1)`, combine: (a, b) => `max(${a}, ${b})` };
    case "min":
      return isF
        ? { init: "pos_inf()", combine: (a, b) => `select(${a}, ${b}, ${b} < ${a} || is_nan(${b}))` }
        : { init: `${t}(2147483647)`, combine: (a, b) => `min(${a}, ${b})` };
  }
}

/** Parameters shared by both kernels: outer, size, inner, x offset, out offset. */
const HEADER = `
  let g = group_id(wid, nwg);
  let inner = pu(2u);
  if (g >= pu(0u) * inner) { return; }
  let o = g / inner;
  let ii = g % inner;
  let size = pu(1u);
  let base = pu(3u) + o * size * inner + ii;`;

/**
 * Elements a workgroup of the first pass reduces (at least), the most chunks of one output (a whole
 * GPT-2's gradients, 124M elements, in chunks of 30k: 475 steps a thread), and the outputs below which
 * a long reduction splits.
 */
const CHUNK = 4096;
const MAX_CHUNKS = 4096;
const FEW_OUTPUTS = 1024;
/** Reductions over at least this many columns (inner) go column-wise; rows a block, blocks at most. */
const COLUMN_MIN_INNER = 16;
const BLOCK_ROWS = 64;
const MAX_BLOCKS = 4096;

export function reduce(
  ctx: GpuContext,
  op: ReduceOp,
  xs: Storage,
  outs: Storage,
  outer: number,
  size: number,
  inner: number,
): void {
  const x = gpuBufferOf(xs, "reduce");
  const out = gpuBufferOf(outs, "reduce");
  const outputs = outer * inner;
  const accType = x.dtype === "float32" ? "float32" : "int32";
  if (inner >= COLUMN_MIN_INNER && size > BLOCK_ROWS && outer <= MAX_GROUPS_PER_DIM) {
    // Columns: a thread a (block of rows, column), then a workgroup an output over its blocks.
    const blocks = Math.min(MAX_BLOCKS, Math.ceil(size / BLOCK_ROWS));
    const partial = ctx.allocUninit(accType, outer * blocks * inner);
    columnPass(ctx, op, x, partial, [outer, size, inner], blocks);
    reducePass(ctx, op, partial, out, [outer, blocks, inner], 1);
    ctx.release(partial);
    return;
  }
  const chunks = Math.min(MAX_CHUNKS, Math.floor(size / CHUNK));
  if (chunks < 2 || outputs >= FEW_OUTPUTS) {
    reducePass(ctx, op, x, out, [outer, size, inner], 1);
    return;
  }
  // Partial results in the accumulation type (bool counts as i32), one per chunk of each output.
  const partial = ctx.allocUninit(accType, outputs * chunks);
  reducePass(ctx, op, x, partial, [outer, size, inner], chunks);
  reducePass(ctx, op, partial, out, [outputs, chunks, 1], 1);
  ctx.release(partial); // later users of the buffer are recorded after these two passes
}

/**
 * The first pass over columns (inner ≥ COLUMN_MIN_INNER): thread (column ii, block, o) reduces the
 * block's rows of column ii of outer index o into out[(o · blocks + block) · inner + ii], so that
 * neighbouring threads read neighbouring addresses (one workgroup an output would read a column).
 * Parameters: outer, size, inner, x offset, out offset, blocks.
 */
function columnPass(
  ctx: GpuContext,
  op: ReduceOp,
  x: GpuBuffer,
  out: GpuBuffer,
  [outer, size, inner]: readonly [number, number, number],
  blocks: number,
): void {
  const tx = wgslType(x.dtype);
  const t = tx === "u32" ? "i32" : tx;
  const code = cachedCode(`reduce columns ${op}:${tx}:${wgslType(out.dtype)}`, () => {
    const { init, combine } = reduceOps(op, t);
    return `${bindings([x, out])}
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let inner = pu(2u);
  let ii = wid.x * 64u + lid.x;
  if (ii >= inner) { return; }
  let size = pu(1u); let blocks = pu(5u);
  let rows = (size + blocks - 1u) / blocks;
  let begin = wid.y * rows;
  let end = min(size, begin + rows);
  let base = pu(3u) + wid.z * size * inner + ii;
  var acc = ${init};
  for (var r = begin; r < end; r++) {
    let v = ${convert("b0[base + r * inner]", tx, t)};
    acc = ${combine("acc", "v")};
  }
  b1[pu(4u) + (wid.z * blocks + wid.y) * inner + ii] = ${convert("acc", t, wgslType(out.dtype))};
}`;
  });
  ctx.run({
    kernel: `reduce columns ${op}`,
    code,
    buffers: [x, out],
    params: [outer, size, inner, x.offset, out.offset, blocks],
    groups: [Math.ceil(inner / 64), blocks, outer],
  });
}

/**
 * One pass: workgroup g reduces chunk g % chunks of output g / chunks into out[g] (one chunk: the
 * whole reduced dim). Parameters: outer, size, inner, x offset, out offset, chunks.
 */
function reducePass(
  ctx: GpuContext,
  op: ReduceOp,
  x: GpuBuffer,
  out: GpuBuffer,
  [outer, size, inner]: readonly [number, number, number],
  chunks: number,
): void {
  const tx = wgslType(x.dtype);
  const t = tx === "u32" ? "i32" : tx;
  const code = cachedCode(`reduce ${op}:${tx}:${wgslType(out.dtype)}`, () => {
    const { init, combine } = reduceOps(op, t);
    return `${bindings([x, out])}
var<workgroup> part: array<${t}, 64>;
${MAIN_64} {
  let chunks = pu(5u);
  let gc = group_id(wid, nwg);
  let g = gc / chunks;
  let inner = pu(2u);
  if (g >= pu(0u) * inner) { return; }
  let o = g / inner;
  let ii = g % inner;
  let size = pu(1u);
  let base = pu(3u) + o * size * inner + ii;
  let chunk = (size + chunks - 1u) / chunks;
  let begin = (gc % chunks) * chunk;
  let end = min(size, begin + chunk);
  var acc = ${init};
  for (var r = begin + lid.x; r < end; r += 64u) {
    let v = ${convert("b0[base + r * inner]", tx, t)};
    acc = ${combine("acc", "v")};
  }
  part[lid.x] = acc;
  workgroupBarrier();
  for (var s = 32u; s > 0u; s >>= 1u) {
    if (lid.x < s) { part[lid.x] = ${combine("part[lid.x]", "part[lid.x + s]")}; }
    workgroupBarrier();
  }
  if (lid.x == 0u) { b1[pu(4u) + gc] = ${convert("part[0]", t, wgslType(out.dtype))}; }
}`;
  });
  ctx.run({
    kernel: `reduce ${op}`,
    code,
    buffers: [x, out],
    params: [outer, size, inner, x.offset, out.offset, chunks],
    groups: outer * inner * chunks,
  });
}

export function argReduce(
  ctx: GpuContext,
  op: "argmax" | "argmin",
  xs: Storage,
  outs: Storage,
  outer: number,
  size: number,
  inner: number,
): void {
  const x = gpuBufferOf(xs, "argReduce");
  const out = gpuBufferOf(outs, "argReduce");
  const sign = op === "argmax" ? "" : "-";
  // (value, index) pairs; the larger value wins, NaN beats numbers, and ties go to the smaller index.
  const code = cachedCode(
    `${op}:${typesOf([x, out])}`,
    () => `${bindings([x, out])}
var<workgroup> pv: array<f32, 64>;
var<workgroup> pix: array<u32, 64>;
fn better(v: f32, i: u32, w: f32, j: u32) -> bool {
  if (is_nan(v) != is_nan(w)) { return is_nan(v); }
  if (!is_nan(v) && v != w) { return v > w; }
  return i < j;
}
${MAIN_64} {${HEADER}
  var bv = neg_inf();
  var bi = 0xffffffffu;
  for (var r = lid.x; r < size; r += 64u) {
    let v = ${sign}${convert("b0[base + r * inner]", wgslType(x.dtype), "f32")};
    if (bi == 0xffffffffu || better(v, r, bv, bi)) { bv = v; bi = r; }
  }
  pv[lid.x] = bv;
  pix[lid.x] = bi;
  workgroupBarrier();
  for (var s = 32u; s > 0u; s >>= 1u) {
    if (lid.x < s && pix[lid.x + s] != 0xffffffffu &&
        (pix[lid.x] == 0xffffffffu || better(pv[lid.x + s], pix[lid.x + s], pv[lid.x], pix[lid.x]))) {
      pv[lid.x] = pv[lid.x + s];
      pix[lid.x] = pix[lid.x + s];
    }
    workgroupBarrier();
  }
  if (lid.x == 0u) { b1[pu(4u) + g] = i32(pix[0]); }
}`,
  );
  ctx.run({
    kernel: op,
    code,
    buffers: [x, out],
    params: [outer, size, inner, x.offset, out.offset],
    groups: outer * inner,
  });
}
