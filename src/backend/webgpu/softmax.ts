/** Softmax and log-softmax over each row, one workgroup a row (max, then sum of exponentials). */
import type { Storage } from "../types.js";
import { gpuBufferOf } from "./buffer.js";
import type { GpuContext } from "./context.js";
import { ROW_REDUCE } from "./rows.js";
import { bindings, MAIN_64 } from "./wgsl.js";

export function softmax(
  ctx: GpuContext,
  xs: Storage,
  outs: Storage,
  rows: number,
  cols: number,
  log: boolean,
): void {
  const x = gpuBufferOf(xs, "softmax");
  const out = gpuBufferOf(outs, "softmax");
  const write = log ? "x - lse" : "exp(x - mx) / s";
  const code = `${bindings([x, out])}
${ROW_REDUCE}
${MAIN_64} {
  let row = group_id(wid, nwg);
  let cols = pu(1u);
  if (row >= pu(0u)) { return; }
  let xb = pu(2u) + row * cols;
  let ob = pu(3u) + row * cols;
  var mx = neg_inf();
  for (var j = lid.x; j < cols; j += 64u) { let v = b0[xb + j]; mx = select(mx, v, v > mx); }
  mx = row_max(mx, lid.x);
  if (mx == neg_inf() || mx == pos_inf()) { mx = 0.0; } // all -inf rows give nan/-inf as the composition
  var s = 0.0;
  for (var j = lid.x; j < cols; j += 64u) { s += exp(b0[xb + j] - mx); }
  s = row_sum(s, lid.x);
  let lse = log(s) + mx;
  for (var j = lid.x; j < cols; j += 64u) { let x = b0[xb + j]; b1[ob + j] = ${write}; }
}`;
  ctx.run({
    kernel: log ? "logSoftmax" : "softmax",
    code,
    buffers: [x, out],
    params: [rows, cols, x.offset, out.offset],
    groups: rows,
  });
}
