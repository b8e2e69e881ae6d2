/** The Adam/AdamW update (adam-js.ts is the reference), one element a thread. */
import type { AdamParams, FloatStorage, Storage } from "../types.js";
import { gpuBufferOf } from "./buffer.js";
import { groupsFor, type GpuContext } from "./context.js";
import { bindings, cachedCode, f32Bits, MAIN_64 } from "./wgsl.js";

export function adamStep(
  ctx: GpuContext,
  ps: FloatStorage,
  pOffset: number,
  gs: ArrayLike<number>,
  gOffset: number,
  ms: FloatStorage,
  vs: FloatStorage,
  vmaxs: FloatStorage | null,
  n: number,
  h: AdamParams,
): void {
  const [p, g, m, v] = [ps, gs as Storage, ms, vs].map((s) => gpuBufferOf(s, "adamStep"));
  const vmax = vmaxs === null ? null : gpuBufferOf(vmaxs, "adamStep");
  // Without AMSGrad's running max the kernel binds four buffers (binding v twice would make it an
  // aliased call, a variant the context has to look up every time).
  const amsgrad = vmax !== null;
  const code = cachedCode(
    `adamStep:${amsgrad}`,
    () => `${bindings(amsgrad ? [p, g, m, v, vmax] : [p, g, m, v])}
${MAIN_64} {
  let i = thread_id(wid, nwg, lid);
  if (i >= pu(0u)) { return; }
  let stepSize = pf(6u); let bc2Sqrt = pf(7u); let shrink = pf(8u); let l2 = pf(9u);
  let beta1 = pf(10u); let beta2 = pf(11u); let eps = pf(12u); let sgn = pf(13u);
  let pIdx = pu(1u) + i;
  let pi0 = b0[pIdx] * shrink;
  let gi = sgn * b1[pu(2u) + i] + l2 * pi0;
  let mi = beta1 * b2[pu(3u) + i] + (1.0 - beta1) * gi;
  let vi = beta2 * b3[pu(4u) + i] + (1.0 - beta2) * gi * gi;
  b2[pu(3u) + i] = mi;
  b3[pu(4u) + i] = vi;
  ${amsgrad ? "let vm = max(b4[pu(5u) + i], vi); b4[pu(5u) + i] = vm;" : "let vm = vi;"}
  b0[pIdx] = pi0 - (stepSize * mi) / (sqrt(vm) / bc2Sqrt + eps);
}`,
  );
  ctx.run({
    kernel: "adamStep",
    code,
    buffers: amsgrad ? [p, g, m, v, vmax] : [p, g, m, v],
    params: [
      n,
      p.offset + pOffset,
      g.offset + gOffset,
      m.offset,
      v.offset,
      vmax === null ? 0 : vmax.offset,
      f32Bits(h.stepSize),
      f32Bits(h.bc2Sqrt),
      f32Bits(h.shrink),
      f32Bits(h.l2),
      f32Bits(h.beta1),
      f32Bits(h.beta2),
      f32Bits(h.eps),
      f32Bits(h.sign),
    ],
    groups: groupsFor(n),
  });
}
