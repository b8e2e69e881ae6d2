/** Softmax and log-softmax over each row, one workgroup a row (max, then sum of exponentials). */
import type { Storage } from "../types.js";
import { gpuBufferOf } from "./buffer.js";
import type { GpuContext } from "./context.js";
import { maxAndSumExp, ROW_REDUCE, ROW_START } from "./rows.js";
import { bindings, cachedCode, MAIN_64 } from "./wgsl.js";
import { perRow, type WorkTable } from "./work.js";

/** Work of each kernel (work.ts): a row walked three times (max, sum, output). */
export const WORK: WorkTable = {
  softmax: (p) => perRow(p[0], p[1], 3, 4, 5),
  logSoftmax: (p) => perRow(p[0], p[1], 3, 4, 5),
};

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
  const code = cachedCode(`softmax:${log}`, () => {
    const write = log ? "x - lse" : "exp(x - mx) / s";
    return `${bindings([x, out])}
${ROW_REDUCE}
${MAIN_64} {
${ROW_START}
  let xb = pu(2u) + row * cols;
  let ob = pu(3u) + row * cols;
  // An all -inf row gives nan/-inf, as the composition does.${maxAndSumExp("b0", "xb", true)}
  let lse = log(s) + mx;
  for (var j = lid.x; j < cols; j += 64u) { let x = b0[xb + j]; b1[ob + j] = ${write}; }
}`;
  });
  ctx.run({
    kernel: log ? "logSoftmax" : "softmax",
    code,
    buffers: [x, out],
    params: [rows, cols, x.offset, out.offset],
    groups: rows,
  });
}
