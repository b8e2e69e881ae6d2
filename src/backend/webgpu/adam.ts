/**
 * The Adam/AdamW update (adam-js.ts is the reference), one element a thread. `adamSteps` updates as
 * many tensors in one dispatch as the device lets a kernel bind (4 buffers each, 5 with AMSGrad; 2 when
 * the state of all lies in one block, as optim/adam.ts makes it on a GPU: see bind-chunks.ts): a thread
 * finds its tensor by comparing its index with the running element counts, so every element gets the
 * arithmetic `adamStep` gives it.
 */
import type { AdamParams, AdamTensors, FloatStorage, Storage } from "../types.js";
import { gpuBufferOf, type GpuBuffer } from "./buffer.js";
import { chunksByBindings } from "./bind-chunks.js";
import { groupsFor, type GpuContext } from "./context.js";
import { bindings, cachedCode, f32Bits, MAIN_64 } from "./wgsl.js";
import type { WorkOf, WorkTable } from "./work.js";

/** Work of each kernel (work.ts): one element a thread; the last tensor's end is the element count. */
const adamWork: WorkOf = (p) => {
  const n = p[p.length - WORDS_PER_TENSOR];
  return { groupSize: 64, loop: 1, bytes: 4 * 7 * n, flops: 15 * n };
};
export const WORK: WorkTable = { adamStep: adamWork, adamSteps: adamWork };

/** Tensors per dispatch at most (their words must fit the 63 parameter words: 8 + 6 each). */
const MAX_PER_DISPATCH = 8;
/** Parameter words: the 8 shared scalars, then per tensor its end (running count) and offsets. */
const SHARED_WORDS = 8;
const WORDS_PER_TENSOR = 6;

/** One tensor's buffers and where its elements start. */
interface AdamTensor {
  p: GpuBuffer;
  g: GpuBuffer;
  m: GpuBuffer;
  v: GpuBuffer;
  vmax: GpuBuffer | null;
  pOffset: number;
  gOffset: number;
  n: number;
}

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
  runAdam(ctx, [{ p, g, m, v, vmax, pOffset, gOffset, n }], h);
}

export function adamSteps(ctx: GpuContext, t: AdamTensors, h: AdamParams): void {
  const all: AdamTensor[] = t.p.map((p, i) => ({
    p: gpuBufferOf(p, "adamSteps"),
    g: gpuBufferOf(t.g[i] as Storage, "adamSteps"),
    m: gpuBufferOf(t.m[i], "adamSteps"),
    v: gpuBufferOf(t.v[i], "adamSteps"),
    vmax: t.vmax === null ? null : gpuBufferOf(t.vmax[i], "adamSteps"),
    pOffset: t.pOffset[i],
    gOffset: t.gOffset[i],
    n: t.n[i],
  }));
  const buffersOf = (x: AdamTensor) =>
    x.vmax === null ? [x.p, x.g, x.m, x.v] : [x.p, x.g, x.m, x.v, x.vmax];
  for (const chunk of chunksByBindings(ctx, all, buffersOf, [], MAX_PER_DISPATCH)) runAdam(ctx, chunk, h);
}

/** One dispatch updating `list` (all with or all without AMSGrad's running max). */
function runAdam(ctx: GpuContext, list: readonly AdamTensor[], h: AdamParams): void {
  // Without AMSGrad a tensor binds four buffers (binding v again for vmax would make an aliased call).
  const amsgrad = list[0].vmax !== null;
  const buffers: GpuBuffer[] = [];
  const params = [h.stepSize, h.bc2Sqrt, h.shrink, h.l2, h.beta1, h.beta2, h.eps, h.sign].map(f32Bits);
  let end = 0;
  for (const x of list) {
    buffers.push(x.p, x.g, x.m, x.v);
    if (amsgrad) buffers.push(x.vmax!);
    end += x.n;
    params.push(end, x.p.offset + x.pOffset, x.g.offset + x.gOffset, x.m.offset, x.v.offset);
    params.push(amsgrad ? x.vmax!.offset : 0);
  }
  ctx.run({
    kernel: list.length === 1 ? "adamStep" : "adamSteps",
    code: cachedCode(`adam:${list.length}:${amsgrad}`, () => adamCode(list.length, amsgrad, buffers)),
    buffers,
    params,
    groups: groupsFor(end),
  });
}

function adamCode(count: number, amsgrad: boolean, buffers: readonly GpuBuffer[]): string {
  const perTensor = amsgrad ? 5 : 4;
  const word = (t: number, k: number) => `pu(${SHARED_WORDS + t * WORDS_PER_TENSOR + k}u)`;
  const blocks = Array.from({ length: count }, (_, t) => {
    const [P, G, M, V, VM] = Array.from({ length: 5 }, (_, k) => `b${t * perTensor + k}`);
    const start = t === 0 ? "0u" : word(t - 1, 0);
    const vm = amsgrad
      ? `let vm = max(${VM}[${word(t, 5)} + j], vi); ${VM}[${word(t, 5)} + j] = vm;`
      : "let vm = vi;";
    return `if (i < ${word(t, 0)}) {
    let j = i - ${start};
    let pIdx = ${word(t, 1)} + j;
    let pi0 = ${P}[pIdx] * shrink;
    let gi = sgn * ${G}[${word(t, 2)} + j] + l2 * pi0;
    let mi = beta1 * ${M}[${word(t, 3)} + j] + (1.0 - beta1) * gi;
    let vi = beta2 * ${V}[${word(t, 4)} + j] + (1.0 - beta2) * gi * gi;
    ${M}[${word(t, 3)} + j] = mi;
    ${V}[${word(t, 4)} + j] = vi;
    ${vm}
    ${P}[pIdx] = pi0 - (stepSize * mi) / (sqrt(vm) / bc2Sqrt + eps);
    return;
  }`;
  });
  return `${bindings(buffers)}
${MAIN_64} {
  let i = thread_id(wid, nwg, lid);
  let stepSize = pf(0u); let bc2Sqrt = pf(1u); let shrink = pf(2u); let l2 = pf(3u);
  let beta1 = pf(4u); let beta2 = pf(5u); let eps = pf(6u); let sgn = pf(7u);
  ${blocks.join("\n  ")}
}`;
}
