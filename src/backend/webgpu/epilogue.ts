/**
 * The linear layer's kernels: ReLU's backward (one element a thread) and matmul with a bias, one
 * dispatch: the matmul kernel adds the bias as it stores each output (after the sum over k, so it rounds
 * as matmul then add).
 */
import type { MatmulParams, Storage } from "../types.js";
import { gpuBufferOf } from "./buffer.js";
import { groupsFor, type GpuContext } from "./context.js";
import { matmul } from "./matmul.js";
import { bindings, cachedCode, MAIN_64 } from "./wgsl.js";
import { perElement, type WorkTable } from "./work.js";

/** Work of each kernel (work.ts); matmulBias is matmul's. */
export const WORK: WorkTable = { reluBackward: perElement(3) };

export function reluBackward(ctx: GpuContext, gs: Storage, ys: Storage, dxs: Storage): void {
  const [g, y, dx] = [gs, ys, dxs].map((s) => gpuBufferOf(s, "reluBackward"));
  const code = cachedCode(
    "reluBackward",
    () => `${bindings([g, y, dx])}
${MAIN_64} {
  let i = thread_id(wid, nwg, lid);
  if (i >= pu(0u)) { return; }
  b2[pu(3u) + i] = select(0.0, b0[pu(1u) + i], b1[pu(2u) + i] > 0.0);
}`,
  );
  ctx.run({
    kernel: "reluBackward",
    code,
    buffers: [g, y, dx],
    params: [y.length, g.offset, y.offset, dx.offset],
    groups: groupsFor(y.length),
  });
}

export function matmulBias(
  ctx: GpuContext,
  a: Storage,
  b: Storage,
  bias: Storage,
  out: Storage,
  p: MatmulParams,
): void {
  matmul(ctx, a, b, out, p, bias);
}
