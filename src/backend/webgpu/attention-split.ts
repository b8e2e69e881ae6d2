/**
 * Long sequences split the flash kernels' walk (attention.ts): with one thread a row, a query row of
 * GPT-2's T = 1024 walks up to 1024 keys in series (2048 loop steps with the staging), and the causal
 * mask leaves the last query blocks with most of the work. Past SLICE_ROWS, the other rows are cut in
 * slices of SLICE_ROWS: workgroup z is (batch, slice), a slice writes its own partial results, and a
 * kernel here combines them: the forward's per-slice outputs by their log-sum-exps (as flash-decoding
 * does), dq's partial sums over key slices and dk, dv's over query slices added in order.
 */
import type { GpuBuffer } from "./buffer.js";
import { groupsFor, MAX_GROUPS_PER_DIM, type GpuContext } from "./context.js";
import { bindings, cachedCode, MAIN_64 } from "./wgsl.js";
import type { WorkTable } from "./work.js";

/** Rows of the other side (keys forward and for dq, queries for dk/dv) a slice walks at most. */
const SLICE_ROWS = 256;

/** The split of the other rows: `slices` of `span` rows (one slice of T rows when T is short). */
export interface Slices {
  span: number;
  slices: number;
}

export function slicesOf(T: number, B: number): Slices {
  const slices = Math.ceil(T / SLICE_ROWS);
  if (slices <= 1 || B * slices > MAX_GROUPS_PER_DIM) return { span: T, slices: 1 };
  return { span: SLICE_ROWS, slices };
}

type Shape = Slices & { B: number; T: number; nh: number; hs: number };

/** Work of the kernels (work.ts): one output element a thread, over the slices. */
export const WORK: WorkTable = {
  "causalAttention:combine": ([n, , slices]) => ({
    groupSize: 64,
    loop: 2 * slices,
    bytes: 4 * n * (2 * slices + 1),
    flops: 4 * n * slices,
  }),
  "causalAttentionBackward:sum": ([n, , slices]) => ({
    groupSize: 64,
    loop: slices,
    bytes: 4 * n * (slices + 1),
    flops: n * slices,
  }),
};

/**
 * out and lse from the slices' outputs o_s and log-sum-exps L_s (slices of keys): a query row t sees
 * the slices s ≤ t / span; out = Σ_s e^(L_s − M) o_s / Σ_s e^(L_s − M) with M their max, lse = M + log of
 * that sum. One thread an element of out (B, T, C); the first of a head's also writes lse.
 */
export function combineSlices(
  ctx: GpuContext,
  [o, l]: readonly GpuBuffer[],
  [out, lse]: readonly GpuBuffer[],
  { B, T, nh, hs, span, slices }: Shape,
): void {
  const n = B * T * nh * hs;
  const code = cachedCode(
    "causalAttention:combine",
    () => `${bindings([o, l, out, lse])}
${MAIN_64} {
  let i = thread_id(wid, nwg, lid);
  if (i >= pu(0u)) { return; }
  let T = pu(1u); let slices = pu(2u); let span = pu(3u); let nh = pu(4u); let hs = pu(5u);
  let C = nh * hs;
  let c = i % C; let t = (i / C) % T; let b = i / (C * T);
  let h = c / hs;
  let seen = min(slices, t / span + 1u);
  var mx = neg_inf();
  for (var s = 0u; s < seen; s++) { mx = max(mx, b1[pu(7u) + ((b * slices + s) * nh + h) * T + t]); }
  var den = 0.0; var num = 0.0;
  for (var s = 0u; s < seen; s++) {
    let w = exp(b1[pu(7u) + ((b * slices + s) * nh + h) * T + t] - mx);
    den += w;
    num += w * b0[pu(6u) + ((b * slices + s) * T + t) * C + c];
  }
  b2[pu(8u) + i] = num / den;
  if (c % hs == 0u) { b3[pu(9u) + (b * nh + h) * T + t] = mx + log(den); }
}`,
  );
  ctx.run({
    kernel: "causalAttention:combine",
    code,
    buffers: [o, l, out, lse],
    params: [n, T, slices, span, nh, hs, o.offset, l.offset, out.offset, lse.offset],
    groups: groupsFor(n),
  });
}

/**
 * dqkv's columns [first · C, (first + width) · C) of each row, from the slices' partial sums (rows of
 * width · C): dq (first 0, width 1), or dk and dv (first 1, width 2). One thread an element.
 */
export function sumSlices(
  ctx: GpuContext,
  partial: GpuBuffer,
  dqkv: GpuBuffer,
  { B, T, nh, hs, slices }: Shape,
  first: number,
  width: number,
): void {
  const C = nh * hs;
  const W = width * C;
  const n = B * T * W;
  const code = cachedCode(
    "causalAttentionBackward:sum",
    () => `${bindings([partial, dqkv])}
${MAIN_64} {
  let i = thread_id(wid, nwg, lid);
  if (i >= pu(0u)) { return; }
  let T = pu(1u); let slices = pu(2u); let W = pu(3u); let C = pu(4u);
  let c = i % W; let t = (i / W) % T; let b = i / (W * T);
  var s = 0.0;
  for (var q = 0u; q < slices; q++) { s += b0[pu(6u) + ((b * slices + q) * T + t) * W + c]; }
  b1[pu(7u) + (b * T + t) * 3u * C + pu(5u) * C + c] = s;
}`,
  );
  ctx.run({
    kernel: "causalAttentionBackward:sum",
    code,
    buffers: [partial, dqkv],
    params: [n, T, slices, W, C, first, partial.offset, dqkv.offset],
    groups: groupsFor(n),
  });
}
