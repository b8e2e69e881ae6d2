/**
 * The counter-based random kernels in WGSL: Philox4x32-10 in u32 arithmetic (WGSL has no 64-bit
 * integers, so the high half of a 32×32 product comes from 16-bit halves, as backend/philox.ts computes
 * it), giving the same bits as cpu-js, the addon and wasm.
 */
import type { Storage } from "../types.js";
import { gpuBufferOf } from "./buffer.js";
import { groupsFor, type GpuContext } from "./context.js";
import { bindings, cachedCode, f32Bits, MAIN_64 } from "./wgsl.js";
import type { WorkTable } from "./work.js";

/** Work of each kernel (work.ts): four elements a thread, one Philox block (about 40 operations). */
export const WORK: WorkTable = {
  dropout: (p) => ({ groupSize: 64, loop: 1, bytes: 8 * p[0], flops: 10 * p[0] }),
};

/** `philox(ctr, key)`: the four words of Philox4x32-10 at counter ctr under key. */
export const PHILOX_WGSL = /* wgsl */ `
fn mulhi32(a: u32, b: u32) -> u32 {
  let al = a & 0xffffu;
  let ah = a >> 16u;
  let bl = b & 0xffffu;
  let bh = b >> 16u;
  let hl = ah * bl;
  let lh = al * bh;
  let mid = ((al * bl) >> 16u) + (hl & 0xffffu) + (lh & 0xffffu);
  return ah * bh + (hl >> 16u) + (lh >> 16u) + (mid >> 16u);
}
fn philox(ctr: vec4u, key: vec2u) -> vec4u {
  var c = ctr;
  var k = key;
  for (var r = 0u; r < 10u; r++) {
    let hi0 = mulhi32(0xd2511f53u, c.x);
    let lo0 = 0xd2511f53u * c.x;
    let hi1 = mulhi32(0xcd9e8d57u, c.z);
    let lo1 = 0xcd9e8d57u * c.z;
    c = vec4u(hi1 ^ c.y ^ k.x, lo1, hi0 ^ c.w ^ k.y, lo0);
    k += vec2u(0x9e3779b9u, 0xbb67ae85u);
  }
  return c;
}`;

/** Dropout, one thread per block of four elements (one Philox call); see types.ts RandomKernels. */
export function dropout(
  ctx: GpuContext,
  xs: Storage,
  outs: Storage,
  key0: number,
  key1: number,
  threshold: number,
  scale: number,
): void {
  const [x, out] = [xs, outs].map((s) => gpuBufferOf(s, "dropout"));
  // A GPU buffer holds fewer than 2^32 blocks of four, so the counter's high word is 0.
  const code = cachedCode("dropout", () => {
    return `${bindings([x, out])}
${PHILOX_WGSL}
${MAIN_64} {
  let block = thread_id(wid, nwg, lid);
  let n = pu(0u);
  if (block * 4u >= n) { return; }
  let bits = philox(vec4u(block, 0u, 0u, 0u), vec2u(pu(3u), pu(4u)));
  let s = pf(6u);
  for (var j = 0u; j < 4u; j++) {
    let i = block * 4u + j;
    if (i < n) { b1[pu(2u) + i] = b0[pu(1u) + i] * select(0.0, s, bits[j] >= pu(5u)); }
  }
}`;
  });
  ctx.run({
    kernel: "dropout",
    code,
    buffers: [x, out],
    params: [x.length, x.offset, out.offset, key0 >>> 0, key1 >>> 0, threshold >>> 0, f32Bits(scale)],
    groups: groupsFor(Math.ceil(x.length / 4)),
  });
}
