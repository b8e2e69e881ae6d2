/**
 * Cross-entropy per row from logits (one workgroup a row, 256 threads for a long row): the loss and the softmax probabilities; its
 * backward (one element a thread).
 */
import type { Storage } from "../types.js";
import { gpuBufferOf } from "./buffer.js";
import { groupsFor, type GpuContext } from "./context.js";
import { maxAndSumExp, ROW_START, rowReduce } from "./rows.js";
import { bindings, cachedCode, i32Bits, MAIN_64, typesOf } from "./wgsl.js";
import { perElement, perRow, type WorkTable } from "./work.js";

/** Columns from which a row gets a workgroup of 256 threads instead of 64. */
const WIDE_ROW = 2048;

/** Work of each kernel (work.ts): the forward walks its row three times (max, sum, probabilities). */
export const WORK: WorkTable = {
  crossEntropy: ([rows, cols]) => {
    const w = perRow(rows, cols, 3, 4, 5);
    return cols >= WIDE_ROW ? { ...w, groupSize: 256, loop: 3 * Math.ceil(cols / 256) } : w;
  },
  crossEntropyBackward: (p) => perElement(2, 2)([p[0] * p[1]], [0, 0, 0]),
};

export function crossEntropy(
  ctx: GpuContext,
  ls: Storage,
  ts: Int32Array,
  losss: Storage,
  ps: Storage,
  rows: number,
  cols: number,
  ignoreIndex: number,
): void {
  const [logits, targets, losses, probs] = [ls, ts, losss, ps].map((s) => gpuBufferOf(s, "crossEntropy"));
  // A long row (a vocabulary of 50304) gets 256 threads, so that no thread walks thousands of logits.
  const threads = cols >= WIDE_ROW ? 256 : 64;
  const code = cachedCode(
    `crossEntropy:${threads}:${typesOf([logits, targets, losses, probs])}`,
    () => `${bindings([logits, targets, losses, probs])}
${rowReduce(threads)}
@compute @workgroup_size(${threads})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
${ROW_START}
  let xb = pu(3u) + row * cols;${maxAndSumExp("b0", "xb", false, threads)}
  for (var j = lid.x; j < cols; j += ${threads}u) { b3[pu(6u) + row * cols + j] = exp(b0[xb + j] - mx) / s; }
  if (lid.x == 0u) {
    let t = b1[pu(4u) + row];
    var loss = 0.0;
    if (t != pi(2u)) {
      loss = select(nan_f32(), log(s) + mx - b0[xb + u32(t)], t >= 0 && u32(t) < cols);
    }
    b2[pu(5u) + row] = loss;
  }
}`,
  );
  ctx.run({
    kernel: "crossEntropy",
    code,
    buffers: [logits, targets, losses, probs],
    params: [rows, cols, i32Bits(ignoreIndex), logits.offset, targets.offset, losses.offset, probs.offset],
    groups: rows,
  });
}

export function crossEntropyBackward(
  ctx: GpuContext,
  ps: Storage,
  ts: Int32Array,
  gs: Storage,
  ds: Storage,
  rows: number,
  cols: number,
  ignoreIndex: number,
): void {
  const [probs, targets, g, d] = [ps, ts, gs, ds].map((s) => gpuBufferOf(s, "crossEntropyBackward"));
  const code = cachedCode(
    `crossEntropyBackward:${typesOf([probs, targets, g, d])}`,
    () => `${bindings([probs, targets, g, d])}
${MAIN_64} {
  let i = thread_id(wid, nwg, lid);
  if (i >= pu(0u) * pu(1u)) { return; }
  let row = i / pu(1u);
  let t = b1[pu(4u) + row];
  let ignored = t == pi(2u);
  let gr = select(b2[pu(5u) + row], b2[pu(5u) + row] * 0.0, ignored);
  let hot = select(t, 0, ignored);
  let p = b0[pu(3u) + i];
  b3[pu(6u) + i] = select(p, p - 1.0, i32(i % pu(1u)) == hot) * gr;
}`,
  );
  ctx.run({
    kernel: "crossEntropyBackward",
    code,
    buffers: [probs, targets, g, d],
    params: [rows, cols, i32Bits(ignoreIndex), probs.offset, targets.offset, g.offset, d.offset],
    groups: groupsFor(rows * cols),
  });
}
