/**
 * Cross-entropy per row from logits (one workgroup a row): the loss and the softmax probabilities; its
 * backward (one element a thread).
 */
import type { Storage } from "../types.js";
import { gpuBufferOf } from "./buffer.js";
import { groupsFor, type GpuContext } from "./context.js";
import { maxAndSumExp, ROW_REDUCE, ROW_START } from "./rows.js";
import { bindings, cachedCode, i32Bits, MAIN_64, typesOf } from "./wgsl.js";
import { perElement, perRow, type WorkTable } from "./work.js";

/** Work of each kernel (work.ts): the forward walks its row three times (max, sum, probabilities). */
export const WORK: WorkTable = {
  crossEntropy: (p) => perRow(p[0], p[1], 3, 4, 5),
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
  const code = cachedCode(
    `crossEntropy:${typesOf([logits, targets, losses, probs])}`,
    () => `${bindings([logits, targets, losses, probs])}
${ROW_REDUCE}
${MAIN_64} {
${ROW_START}
  let xb = pu(3u) + row * cols;${maxAndSumExp("b0", "xb")}
  for (var j = lid.x; j < cols; j += 64u) { b3[pu(6u) + row * cols + j] = exp(b0[xb + j] - mx) / s; }
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
