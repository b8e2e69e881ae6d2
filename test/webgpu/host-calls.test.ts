// What one GPT training step asks of the device (forward, backward, clipping, AdamW; dropout 0), counted
// by probe.ts: the dispatches are locked (a kernel that splits in two, or an op that falls back to a
// composition, fails here), the compute passes stay few (pooled buffers are cleared together, not one
// pass break per allocation) and a step from a warm pool reuses its bind groups.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { backendFor } from "../../src/tensor/device.js";
import type { WebGpuBackend } from "../../src/backend/webgpu/backend.js";
import { probeDevice, type HostCalls } from "../../src/backend/webgpu/probe.js";
import { GPU, initWebGpu } from "./setup.js";
import { collectGarbage, gpuGptStep } from "../../bench/webgpu-gpt-step.js";

before(initWebGpu);

/**
 * Dispatches of one step of the 2-layer GPT below (measured; lower it when a change saves some):
 * 184 → 177 when cross-entropy's backward became one kernel; 177 → 133 when clipping took the norm of
 * all gradients copied into one vector (a copy each, then 2 kernels, instead of square, sum and a
 * stacking copy each) and scaled them in place (one kernel each instead of a product and a copy back);
 * 133 → 134 when a long reduction with few outputs (that norm's sum) became two passes; 134 → 125 when
 * AdamW updated 3 parameters a dispatch (SwiftShader binds 12 storage buffers, 4 a parameter; a GPU
 * that binds more needs fewer); 125 → 140 when a zero-filled allocation became a zeroing kernel in the
 * compute pass (15 a step here) instead of clears of every released buffer between passes; 140 → 104
 * when clipping became the list kernels listNorm and clipScale, as many gradients a dispatch as the
 * device binds (11 on SwiftShader: 2 + 1 + 2 dispatches for the 15 gradients instead of 41, a copy
 * into the concatenation and a product each, and 11 for the concatenation's zeroing, its square and
 * two-pass sum, the sum's zeroing, the square root and the clipping factor); 104 → 102 when attention
 * backward's D (dout·out a row, which its first kernel writes whole) stopped being zeroed (one a layer);
 * 102 → 99 when AdamW's state became views of one block a group, bound once (2 bindings a parameter
 * instead of 4: 5 parameters a dispatch here, 2 + 1 dispatches for the two groups instead of 4 + 2);
 * 99 → 94 when layerNorm's backward took its weight gradient uninitialized (every backend's kernel
 * overwrites it: one zeroing a layerNorm); 94 → 89 when reductions took their outputs uninitialized
 * (every backend's reduce writes each: 3 zeroings) and an embedding's gradient was added straight into
 * its zeros (indexAdd copied them first: 2 copies); 89 → 88 when backward's seed of ones was filled
 * without being zeroed first.
 */
const DISPATCHES_PER_STEP = 88;

async function stepCalls(nLayer: number): Promise<HostCalls> {
  const shape = { nLayer, nHead: 2, nEmbd: 32, blockSize: 16, vocabSize: 65, dropout: 0 };
  const { step, ctx } = gpuGptStep(shape, 2, 7);
  // Warm the pool: finalizers run in later tasks after a collection, so collect and yield a few times
  // before the counted step (one collection and one yield left 40 new buffers on one CI run).
  for (let i = 0; i < 3; i++) {
    step();
    await ctx.sync();
    for (let j = 0; j < 3; j++) {
      collectGarbage();
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  const probe = probeDevice(ctx.device);
  try {
    step();
  } finally {
    probe.remove();
  }
  await ctx.sync();
  return probe.calls;
}

test("a GPT step on webgpu: locked dispatches, few compute passes, bind groups reused", async () => {
  const one = await stepCalls(1);
  const two = await stepCalls(2);
  assert.equal(two.dispatches, DISPATCHES_PER_STEP, "dispatches per step of the 2-layer GPT");
  assert.ok(two.dispatches > one.dispatches, "a layer adds dispatches");
  assert.equal(two.submits, 1, "one submit a step");
  // Before pooled buffers were cleared together, nearly every dispatch began a pass (217 of 269); now
  // only the uploads (positions, a scalar) break it.
  assert.ok(two.passes <= 10, `compute passes: ${two.passes}`);
  // The pool hands out a size's free buffers in creation order, so a step gets the buffers (and bind
  // groups) of the step before; the first steps still create some (11 of 133 in the counted step here).
  assert.ok(two.bindGroups * 3 <= two.dispatches, `new bind groups: ${two.bindGroups} of ${two.dispatches}`);
  assert.ok(two.buffers <= 32, `buffers created from a warm pool: ${two.buffers}`);
});

test("webgpu bind groups: one per layout and buffers, reused by the next call with other parameters", async () => {
  const gpu = backendFor(GPU) as WebGpuBackend;
  const a = gpu.upload(new Float32Array(64 * 64).fill(1));
  const b = gpu.upload(new Float32Array(64 * 64).fill(2));
  const out = gpu.alloc("float32", 64 * 64);
  const p = (k: number) => ({
    batch: 1,
    m: 64,
    n: 64,
    k,
    transA: false,
    transB: false,
    lda: 64,
    ldb: 64,
    aOffset: 0,
    bOffset: 0,
    aBatchStride: 0,
    bBatchStride: 0,
  });
  gpu.context.flush(); // the probe counts the dispatches of encoders created after it
  const probe = probeDevice(gpu.context.device);
  try {
    gpu.matmul(a, b, out, p(64));
    assert.equal(probe.calls.bindGroups, 1);
    gpu.matmul(a, b, out, p(32)); // other parameters: another slot, the same bind group
    gpu.matmul(a, b, out, p(16));
    assert.equal(probe.calls.bindGroups, 1);
    gpu.matmul(b, a, out, p(64)); // other buffers: another bind group
    assert.equal(probe.calls.bindGroups, 2);
    assert.equal(probe.calls.dispatches, 4);
  } finally {
    probe.remove();
  }
  const c = await gpu.read(out, 0, 2);
  assert.deepEqual(Array.from(c), [128, 128], "the last product (k = 64) of twos and ones");
});
