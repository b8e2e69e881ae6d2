/** GELU (exact, through erf, or the tanh approximation) and its backward, one element a thread. */
import type { Storage } from "../types.js";
import { gpuBufferOf } from "./buffer.js";
import { groupsFor, type GpuContext } from "./context.js";
import { bindings, cachedCode, MAIN_64 } from "./wgsl.js";
import { perElement, type WorkTable } from "./work.js";

/** Work of each kernel (work.ts): one element a thread (erf or tanh: about 20 operations). */
export const WORK: WorkTable = { gelu: perElement(2, 20), geluBackward: perElement(3, 30) };

const FORWARD = {
  exact: "0.5 * v * (1.0 + erf_f(v * 0.70710678118654752))",
  tanh: "0.5 * v * (1.0 + tanh_s(0.79788456080286536 * (v + 0.044715 * v * v * v)))",
};

const BACKWARD = {
  exact: "0.5 * (1.0 + erf_f(v * 0.70710678118654752)) + v * 0.39894228040143268 * exp(-0.5 * v * v)",
  tanh: `0.5 * (1.0 + t) + 0.5 * v * (1.0 - t * t) * 0.79788456080286536 * (1.0 + 3.0 * 0.044715 * v * v)`,
};

export function gelu(ctx: GpuContext, xs: Storage, outs: Storage, approximateTanh: boolean): void {
  const [x, out] = [xs, outs].map((s) => gpuBufferOf(s, "gelu"));
  const code = cachedCode(
    `gelu:${approximateTanh}`,
    () => `${bindings([x, out])}
${MAIN_64} {
  let i = thread_id(wid, nwg, lid);
  if (i >= pu(0u)) { return; }
  let v = b0[pu(1u) + i];
  b1[pu(2u) + i] = ${approximateTanh ? FORWARD.tanh : FORWARD.exact};
}`,
  );
  ctx.run({
    kernel: "gelu",
    code,
    buffers: [x, out],
    params: [x.length, x.offset, out.offset],
    groups: groupsFor(x.length),
  });
}

export function geluBackward(
  ctx: GpuContext,
  gs: Storage,
  xs: Storage,
  dxs: Storage,
  approximateTanh: boolean,
): void {
  const [g, x, dx] = [gs, xs, dxs].map((s) => gpuBufferOf(s, "geluBackward"));
  const code = cachedCode(
    `geluBackward:${approximateTanh}`,
    () => `${bindings([g, x, dx])}
${MAIN_64} {
  let i = thread_id(wid, nwg, lid);
  if (i >= pu(0u)) { return; }
  let v = b1[pu(2u) + i];
  let t = tanh_s(0.79788456080286536 * (v + 0.044715 * v * v * v));
  b2[pu(3u) + i] = b0[pu(1u) + i] * (${approximateTanh ? BACKWARD.tanh : BACKWARD.exact});
}`,
  );
  ctx.run({
    kernel: "geluBackward",
    code,
    buffers: [g, x, dx],
    params: [x.length, g.offset, x.offset, dx.offset],
    groups: groupsFor(x.length),
  });
}
