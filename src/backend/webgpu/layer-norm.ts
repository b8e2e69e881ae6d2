/**
 * layerNorm over each row (one workgroup a row) and its backward: dx one workgroup a row, then dw and
 * db as column sums in two passes (no atomics, deterministic; see weightGrads).
 */
import type { Storage } from "../types.js";
import { gpuBufferOf, type GpuBuffer } from "./buffer.js";
import type { GpuContext } from "./context.js";
import { ROW_REDUCE, ROW_START } from "./rows.js";
import { bindings, cachedCode, f32Bits, MAIN_64 } from "./wgsl.js";
import { perRow, strided, type WorkTable } from "./work.js";

/** Rows a thread of the weight and bias gradients' first pass sums. */
const GRAD_BLOCK_ROWS = 64;

/** Work of each kernel (work.ts). */
export const WORK: WorkTable = {
  // x read three times, weight and bias, the output.
  layerNorm: ([rows, cols]) => perRow(rows, cols, 3, 6, 8),
  // g, x and w read twice, dx written.
  "layerNormBackward dx": ([rows, cols]) => perRow(rows, cols, 2, 7, 12),
  // A thread a (block of rows, column): g and x, and the row's mean and rstd, each time.
  "layerNormBackward dw db": ([rows, cols], [, blocks]) => ({
    groupSize: 64,
    loop: Math.min(rows, GRAD_BLOCK_ROWS),
    bytes: 4 * (4 * rows * cols + 2 * blocks * cols),
    flops: 5 * rows * cols,
  }),
  "layerNormBackward dw db:sum": ([blocks, cols]) => ({
    groupSize: 64,
    loop: strided(blocks),
    bytes: 4 * 2 * (blocks + 1) * cols,
    flops: 2 * blocks * cols,
  }),
};

export function layerNorm(
  ctx: GpuContext,
  xs: Storage,
  ws: Storage | null,
  bs: Storage | null,
  outs: Storage,
  means: Storage,
  rstds: Storage,
  rows: number,
  cols: number,
  eps: number,
): void {
  const x = gpuBufferOf(xs, "layerNorm");
  // A missing weight or bias binds x in its place; the flags keep the kernel from reading it.
  const w = ws === null ? x : gpuBufferOf(ws, "layerNorm");
  const b = bs === null ? x : gpuBufferOf(bs, "layerNorm");
  const [out, mean, rstd] = [outs, means, rstds].map((s) => gpuBufferOf(s, "layerNorm"));
  const code = cachedCode(
    "layerNorm",
    () => `${bindings([x, w, b, out, mean, rstd])}
${ROW_REDUCE}
${MAIN_64} {
${ROW_START}
  let xb = pu(3u) + row * cols;
  var s = 0.0;
  for (var j = lid.x; j < cols; j += 64u) { s += b0[xb + j]; }
  let mu = row_sum(s, lid.x) / f32(cols);
  var v = 0.0;
  for (var j = lid.x; j < cols; j += 64u) { let d = b0[xb + j] - mu; v += d * d; }
  let rs = 1.0 / sqrt(row_sum(v, lid.x) / f32(cols) + pf(2u));
  if (lid.x == 0u) { b4[pu(7u) + row] = mu; b5[pu(8u) + row] = rs; }
  let hasW = pu(9u) != 0u; let hasB = pu(10u) != 0u;
  for (var j = lid.x; j < cols; j += 64u) {
    var y = (b0[xb + j] - mu) * rs;
    if (hasW) { y = y * b1[pu(4u) + j]; }
    if (hasB) { y = y + b2[pu(5u) + j]; }
    b3[pu(6u) + row * cols + j] = y;
  }
}`,
  );
  ctx.run({
    kernel: "layerNorm",
    code,
    buffers: [x, w, b, out, mean, rstd],
    params: [
      rows,
      cols,
      f32Bits(eps),
      x.offset,
      w.offset,
      b.offset,
      out.offset,
      mean.offset,
      rstd.offset,
      ws ? 1 : 0,
      bs ? 1 : 0,
    ],
    groups: rows,
  });
}

export function layerNormBackward(
  ctx: GpuContext,
  gs: Storage,
  xs: Storage,
  ws: Storage | null,
  means: Storage,
  rstds: Storage,
  dxs: Storage,
  dws: Storage | null,
  dbs: Storage | null,
  rows: number,
  cols: number,
): void {
  const [g, x, mean, rstd, dx] = [gs, xs, means, rstds, dxs].map((s) => gpuBufferOf(s, "layerNormBackward"));
  const w = ws === null ? x : gpuBufferOf(ws, "layerNormBackward");
  const dxCode = cachedCode(
    "layerNormBackward dx",
    () => `${bindings([g, x, w, mean, rstd, dx])}
${ROW_REDUCE}
${MAIN_64} {
${ROW_START}
  let gb = pu(2u) + row * cols; let xb = pu(3u) + row * cols;
  let mu = b3[pu(5u) + row]; let rs = b4[pu(6u) + row];
  let hasW = pu(8u) != 0u;
  var sg = 0.0; var sgx = 0.0;
  for (var j = lid.x; j < cols; j += 64u) {
    let xhat = (b1[xb + j] - mu) * rs;
    var gy = b0[gb + j];
    if (hasW) { gy = gy * b2[pu(4u) + j]; }
    sg += gy; sgx += gy * xhat;
  }
  let mg = row_sum(sg, lid.x) / f32(cols);
  let mgx = row_sum(sgx, lid.x) / f32(cols);
  for (var j = lid.x; j < cols; j += 64u) {
    let xhat = (b1[xb + j] - mu) * rs;
    var gy = b0[gb + j];
    if (hasW) { gy = gy * b2[pu(4u) + j]; }
    b5[pu(7u) + row * cols + j] = rs * (gy - mg - xhat * mgx);
  }
}`,
  );
  ctx.run({
    kernel: "layerNormBackward dx",
    code: dxCode,
    buffers: [g, x, w, mean, rstd, dx],
    params: [rows, cols, g.offset, x.offset, w.offset, mean.offset, rstd.offset, dx.offset, ws ? 1 : 0],
    groups: rows,
  });
  if (dws === null && dbs === null) return;
  const dw = dws === null ? null : gpuBufferOf(dws, "layerNormBackward");
  const db = dbs === null ? null : gpuBufferOf(dbs, "layerNormBackward");
  weightGrads(ctx, [g, x, mean, rstd], dw, db, rows, cols);
}

/**
 * dw and db: column sums over the rows, in two passes so that no thread walks every row. The first
 * gives each (block of 64 rows, column) its own thread, neighbouring threads on neighbouring columns;
 * with more than one block, the second sums the blocks of each column (a workgroup a column and gradient).
 */
function weightGrads(
  ctx: GpuContext,
  [g, x, mean, rstd]: readonly GpuBuffer[],
  dw: GpuBuffer | null,
  db: GpuBuffer | null,
  rows: number,
  cols: number,
): void {
  const blocks = Math.max(1, Math.ceil(rows / GRAD_BLOCK_ROWS)); // no rows: one block writes zeros
  const partial = blocks > 1 ? ctx.allocUninit("float32", 2 * blocks * cols) : null;
  // One block writes the gradients themselves; more write their partial sums, dw's then db's.
  const [pw, pb] = partial === null ? [dw ?? db!, db ?? dw!] : [partial, partial.subarray(blocks * cols)];
  const code = cachedCode(
    "layerNormBackward dw db",
    () => `${bindings([g, x, mean, rstd, pw, pb])}
${MAIN_64} {
  let cols = pu(1u);
  let j = wid.x * 64u + lid.x;
  if (j >= cols) { return; }
  let block = wid.y;
  let end = min(pu(0u), (block + 1u) * ${GRAD_BLOCK_ROWS}u);
  var sw = 0.0; var sb = 0.0;
  for (var r = block * ${GRAD_BLOCK_ROWS}u; r < end; r++) {
    let gv = b0[pu(2u) + r * cols + j];
    sw += gv * (b1[pu(3u) + r * cols + j] - b2[pu(4u) + r]) * b3[pu(5u) + r];
    sb += gv;
  }
  if (pu(8u) != 0u) { b4[pu(6u) + block * cols + j] = sw; }
  if (pu(9u) != 0u) { b5[pu(7u) + block * cols + j] = sb; }
}`,
  );
  ctx.run({
    kernel: "layerNormBackward dw db",
    code,
    buffers: [g, x, mean, rstd, pw, pb],
    params: [
      rows,
      cols,
      g.offset,
      x.offset,
      mean.offset,
      rstd.offset,
      pw.offset,
      pb.offset,
      dw || partial ? 1 : 0,
      db || partial ? 1 : 0,
    ],
    groups: [Math.ceil(cols / 64), blocks, 1],
  });
  if (partial === null) return;
  // The second pass: a workgroup a (column, gradient), its threads over the blocks.
  const [ow, ob] = [dw ?? db!, db ?? dw!];
  const sumCode = cachedCode(
    "layerNormBackward dw db:sum",
    () => `${bindings([partial, ow, ob])}
${ROW_REDUCE}
${MAIN_64} {
  let j = wid.x; let cols = pu(1u); let blocks = pu(0u);
  let which = wid.y; // 0: dw, 1: db
  if (pu(5u + which) == 0u) { return; }
  let first = pu(2u) + which * blocks * cols + j;
  var s = 0.0;
  for (var q = lid.x; q < blocks; q += 64u) { s += b0[first + q * cols]; }
  s = row_sum(s, lid.x);
  if (lid.x == 0u) {
    if (which == 0u) { b1[pu(3u) + j] = s; } else { b2[pu(4u) + j] = s; }
  }
}`,
  );
  ctx.run({
    kernel: "layerNormBackward dw db:sum",
    code: sumCode,
    buffers: [partial, ow, ob],
    params: [blocks, cols, partial.offset, ow.offset, ob.offset, dw ? 1 : 0, db ? 1 : 0],
    groups: [cols, 2, 1],
  });
  ctx.release(partial); // later users of the buffer are recorded after both passes
}
