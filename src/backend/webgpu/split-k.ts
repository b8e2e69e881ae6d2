/**
 * Split-k for products with few output tiles and a long k. A Linear layer's weight gradient sums over
 * the batch's rows: in nanoGPT's GPU recipe k = 16384 while the 384×1152 output makes 108 tiles of
 * 64×64, fewer workgroups than an H200 has SMs, each looping 1024 steps; GPT-2's head multiplies over
 * k = 50304 (3144 steps a thread). Split, each tile's k is cut
 * into slices, one workgroup a (tile, slice) writing its partial product, and a second kernel sums the
 * slices of each output in order (deterministic) and adds the bias.
 */
import type { GpuBuffer } from "./buffer.js";
import { groupsFor, MAX_GROUPS_PER_DIM, type GpuContext } from "./context.js";
import { bindings, cachedCode, MAIN_64 } from "./wgsl.js";
import type { WorkTable } from "./work.js";

/** Workgroups a split product aims at (about two waves of 4 workgroups on each of 132 SMs). */
const TARGET_GROUPS = 1024;
/** Products with this many workgroups already fill the GPU and are not split. */
const ENOUGH_GROUPS = TARGET_GROUPS / 2;
/** Tile steps a slice takes at most when the product is split (a thread's serial loop). */
const MAX_STEPS = 1024;
/** Tile steps a slice keeps at least, so the second kernel's sum stays small beside the product. */
const MIN_SLICE_STEPS = 16;
const MAX_SLICES = 64;
/** Elements of the partial products at most (256 MiB). */
const MAX_SCRATCH = 64 * 1024 * 1024;

/**
 * How a product of `groups` workgroups over k (tile steps `depth` deep) is split: `slices` of `kSlice`
 * (a multiple of depth); one slice of k when it is not.
 */
export function splitK(
  groups: number,
  k: number,
  depth: number,
  batch: number,
  outputs: number,
): { slices: number; kSlice: number } {
  const steps = Math.ceil(k / depth);
  // Few tiles: enough slices to fill the GPU; a very long k: slices of at most MAX_STEPS.
  const wanted = Math.max(
    groups < ENOUGH_GROUPS ? Math.ceil(TARGET_GROUPS / groups) : 1,
    Math.ceil(steps / MAX_STEPS),
  );
  const slices =
    groups === 0
      ? 1
      : Math.min(
          wanted,
          Math.floor(steps / MIN_SLICE_STEPS),
          MAX_SLICES,
          Math.floor(MAX_SCRATCH / outputs),
          Math.floor(MAX_GROUPS_PER_DIM / batch), // workgroup z is (batch, slice)
        );
  if (slices <= 1) return { slices: 1, kSlice: k };
  const kSlice = Math.ceil(steps / slices) * depth;
  return { slices: Math.ceil(k / kSlice), kSlice };
}

/** Work of the sum (work.ts): one output a thread, over the slices. */
export const WORK: WorkTable = {
  "matmul:sum slices": ([outputs, slices]) => ({
    groupSize: 64,
    loop: slices,
    bytes: 4 * outputs * (slices + 1),
    flops: outputs * slices,
  }),
};

/**
 * out[b, e] = Σ_s partial[b, s, e] (+ bias[e % n]) for the batch × m × n outputs, e < mn = m × n;
 * partial holds, for each batch entry, its slices' m × n products one after the other.
 */
export function sumSlices(
  ctx: GpuContext,
  partial: GpuBuffer,
  out: GpuBuffer,
  bias: GpuBuffer | null,
  { slices, outputs, mn, n }: { slices: number; outputs: number; mn: number; n: number },
): void {
  const withBias = bias !== null;
  const buffers = withBias ? [partial, out, bias] : [partial, out];
  const code = cachedCode(
    `matmul:sum slices:${withBias}`,
    () => `${bindings(buffers)}
${MAIN_64} {
  let i = thread_id(wid, nwg, lid);
  if (i >= pu(0u)) { return; }
  let slices = pu(1u); let mn = pu(2u);
  let e = i % mn;
  let first = pu(3u) + (i / mn) * slices * mn + e;
  var s = 0.0;
  for (var q = 0u; q < slices; q++) { s += b0[first + q * mn]; }
  b1[pu(4u) + i] = s${withBias ? " + b2[pu(5u) + e % pu(6u)]" : ""};
}`,
  );
  ctx.run({
    kernel: "matmul:sum slices",
    code,
    buffers,
    params: [outputs, slices, mn, partial.offset, out.offset, bias === null ? 0 : bias.offset, n],
    groups: groupsFor(outputs),
  });
}
