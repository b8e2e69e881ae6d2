// The linear layer's kernels on WebGPU against the CPU: matmulBias (forward of a Linear with a bias) and
// reluBackward, through the ops that call them, forward and backward.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import * as gs from "../../src/index.js";
import { backendFor } from "../../src/tensor/device.js";
import type { WebGpuBackend } from "../../src/backend/webgpu/backend.js";
import { probeDevice } from "../../src/backend/webgpu/probe.js";
import { assertCloseAsync, GPU, initWebGpu, onGpu } from "./setup.js";

const F = gs.nn.functional;
before(initWebGpu);

test("webgpu linear with a bias, then relu, equals the CPU's, forward and backward", async () => {
  gs.manualSeed(11);
  for (const [rows, k, n] of [
    [6, 70, 33],
    [130, 65, 70],
    [3, 1, 5],
  ]) {
    const x = gs.randn([2, rows, k]);
    const w = gs.randn([n, k]);
    const b = gs.randn([n]);
    const up = gs.randn([2, rows, n]);
    const [xg, wg, bg] = [onGpu(x, true), onGpu(w, true), onGpu(b, true)];
    const [xc, wc, bc] = [x, w, b].map((t) => t.detach().requiresGrad_());
    const yg = F.linear(xg, wg, bg).relu();
    const yc = F.linear(xc, wc, bc).relu();
    const what = `linear ${rows}x${k}x${n}`;
    await assertCloseAsync(yg, yc, 1e-4, what);
    yg.mul(onGpu(up)).sum().backward();
    yc.mul(up).sum().backward();
    await assertCloseAsync(xg.grad!, xc.grad!, 1e-4, `${what}: dx`);
    await assertCloseAsync(wg.grad!, wc.grad!, 1e-4, `${what}: dw`);
    await assertCloseAsync(bg.grad!, bc.grad!, 1e-4, `${what}: db`);
  }
});

test("webgpu matmulBias is one dispatch (the bias added in the matmul's store), for both tiles", async () => {
  const gpu = backendFor(GPU) as WebGpuBackend;
  for (const [m, n] of [
    [5, 7],
    [96, 80],
  ]) {
    const k = 3;
    const a = gs.randn([m, k]);
    const b = gs.randn([k, n]);
    const bias = gs.randn([n]);
    const out = gpu.alloc("float32", m * n);
    const p = { batch: 1, m, n, k, transA: false, transB: false, lda: k, ldb: n };
    const offsets = { aOffset: 0, bOffset: 0, aBatchStride: 0, bBatchStride: 0 };
    const [ga, gb, gbias] = [a, b, bias].map((t) => gpu.upload(t.contiguous().storage));
    gpu.context.flush(); // the probe counts the dispatches of encoders created after it
    const probe = probeDevice(gpu.context.device);
    try {
      gpu.matmulBias(ga, gb, gbias, out, { ...p, ...offsets });
      assert.equal(probe.calls.dispatches, 1, `${m}x${n}: dispatches`);
    } finally {
      probe.remove();
    }
    const want = a.matmul(b).add(bias);
    const got = gs.tensor(Array.from(await gpu.read(out, 0, m * n))).reshape([m, n]);
    assert.ok(got.sub(want).abs().max().item() < 1e-5, `${m}x${n}: values`);
  }
});
