// The flash-style WGSL causal attention against the CPU's composition (softmax of masked q·kᵀ, float32):
// outputs and q|k|v gradients to 1e-4 relative, on shapes that cross the 64-row workgroups and the key
// tiles, odd head sizes, and a head size large enough to shrink the staged tiles. With dropout: the
// same generator gives the CPU's mask (bit for bit) and the composition's values and gradients. Past 256
// rows the walk is split in slices (attention-split.ts) and the slices' results combined.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import * as gs from "../../src/index.js";
import {
  causalAttentionKernel,
  causalSelfAttention,
  causalSelfAttentionComposed,
} from "../../src/ops/fused/attention.js";
import { backendFor } from "../../src/tensor/device.js";
import type { WebGpuBackend } from "../../src/backend/webgpu/backend.js";
import { assertCloseAsync, GPU, initWebGpu, onGpu } from "./setup.js";
import { keptByAttention, keptByDropoutKernel } from "../helpers/attention-mask.js";
import { drawDropoutMask } from "../../src/ops/dropout.js";

before(initWebGpu);
const TOL = 1e-4;

async function checkAttention(B: number, T: number, nh: number, hs: number, seed: number): Promise<void> {
  gs.manualSeed(seed);
  const qkv = gs.randn([B, T, 3 * nh * hs]);
  const up = gs.randn([B, T, nh * hs]);
  const cpu = qkv.detach().clone().requiresGrad_();
  const want = causalSelfAttentionComposed(cpu, nh);
  want.mul(up).sum().backward();
  const gpu = onGpu(qkv, true);
  const got = causalAttentionKernel(gpu, nh);
  got.mul(onGpu(up)).sum().backward();
  const what = `B=${B} T=${T} nh=${nh} hs=${hs}`;
  assert.equal(got.device, GPU);
  await assertCloseAsync(got, want, TOL, `${what} output`);
  await assertCloseAsync(gpu.grad!, cpu.grad!, TOL, `${what} dqkv`);
}

test("webgpu flash attention equals the composition: small, odd and tile-crossing shapes", async () => {
  await checkAttention(2, 5, 2, 4, 1);
  await checkAttention(1, 1, 1, 3, 2);
  await checkAttention(2, 70, 3, 5, 3); // two query workgroups, several key tiles
  await checkAttention(1, 40, 2, 100, 4); // a big head: 8-row tiles
});

test("webgpu attention runs the fused kernel (no T×T scores): GPT's op takes it", async () => {
  gs.manualSeed(5);
  const qkv = gs.randn([1, 6, 12]);
  await assertCloseAsync(causalSelfAttention(onGpu(qkv), 2), causalSelfAttentionComposed(qkv, 2), TOL, "op");
  assert.ok(!backendFor(GPU).preferComposition.includes("causalAttention"));
});

async function checkDropout(
  B: number,
  T: number,
  nh: number,
  hs: number,
  p: number,
  seed: number,
): Promise<void> {
  gs.manualSeed(seed);
  const qkv = gs.randn([B, T, 3 * nh * hs]);
  const up = gs.randn([B, T, nh * hs]);
  const opts = () => ({ dropoutP: p, generator: new gs.Generator(seed) });
  const cpu = qkv.detach().clone().requiresGrad_();
  const want = causalSelfAttentionComposed(cpu, nh, opts());
  want.mul(up).sum().backward();
  const gpu = onGpu(qkv, true);
  const got = causalSelfAttention(gpu, nh, opts());
  got.mul(onGpu(up)).sum().backward();
  const what = `dropout ${p} B=${B} T=${T} nh=${nh} hs=${hs}`;
  await assertCloseAsync(got, want, TOL, `${what} output`);
  await assertCloseAsync(gpu.grad!, cpu.grad!, TOL, `${what} dqkv`);
}

test("webgpu flash attention with dropout equals the CPU's composition under the same generator", async () => {
  await checkDropout(2, 5, 2, 4, 0.3, 1);
  await checkDropout(2, 70, 3, 5, 0.2, 3); // two query workgroups, several key tiles
  await checkDropout(1, 40, 2, 100, 0.5, 4); // 8-row tiles
});

test("webgpu attention dropout draws the dropout kernel's mask on the (B, nh, T, T) matrix, bit for bit", async () => {
  for (const [B, nh, T, seed] of [
    [2, 3, 7, 2],
    [1, 2, 70, 3], // rows across workgroups, masks across Philox blocks
  ]) {
    const mask = drawDropoutMask(0.4, true, new gs.Generator(seed));
    assert.ok(typeof mask === "object");
    const got = await keptByAttention(B, nh, T, (qkv) => {
      const x = onGpu(gs.tensor(qkv, { shape: [B, T, 3 * nh * T] }));
      return causalAttentionKernel(x, nh, mask).data();
    });
    assert.deepEqual(got, keptByDropoutKernel(B, nh, T, mask), `B=${B} nh=${nh} T=${T}`);
  }
});

/** The kernels the webgpu context records while `run` runs (by name, in order). */
async function kernelsOf(run: () => Promise<void>): Promise<string[]> {
  const ctx = (backendFor(GPU) as WebGpuBackend).context;
  const names: string[] = [];
  ctx.observer = (d) => void names.push(d.kernel);
  try {
    await run();
  } finally {
    ctx.observer = null;
  }
  return names;
}

test("webgpu flash attention past 256 rows: the walk split in slices of 256 keys (queries for dk, dv), then combined", async () => {
  const names = await kernelsOf(async () => {
    await checkAttention(1, 300, 2, 8, 6); // 2 slices, the second short
    await checkAttention(2, 600, 1, 4, 7); // 3 slices
  });
  for (const k of ["causalAttention:combine", "causalAttentionBackward:sum"])
    assert.ok(names.includes(k), `${k} ran: ${[...new Set(names)].join(", ")}`);
  await checkDropout(1, 300, 2, 8, 0.2, 8); // the masks' walks start at each slice's first row
  const mask = drawDropoutMask(0.4, true, new gs.Generator(9));
  assert.ok(typeof mask === "object");
  const [B, nh, T] = [1, 1, 260];
  const got = await keptByAttention(B, nh, T, (qkv) => {
    const x = onGpu(gs.tensor(qkv, { shape: [B, T, 3 * nh * T] }));
    return causalAttentionKernel(x, nh, mask).data();
  });
  assert.deepEqual(got, keptByDropoutKernel(B, nh, T, mask), `B=${B} nh=${nh} T=${T}: the mask, bit for bit`);
});
