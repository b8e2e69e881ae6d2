// Dropout on webgpu draws its mask on the device from the same Philox counters as the CPU backends, under
// a key from the same host generator: the same seed gives the same result, and the gradient goes through
// the same (recomputed) mask.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import * as gs from "../../src/index.js";
import { cpuJs } from "../../src/backend/cpu-js.js";
import { backendFor } from "../../src/tensor/device.js";
import { assertCloseAsync, GPU, initWebGpu, onGpu } from "./setup.js";

before(initWebGpu);

test("dropout on webgpu equals the CPU's under the same seed, forward and backward", async () => {
  const x = gs.randn([6, 5]);
  gs.manualSeed(3);
  const xc = x.detach().requiresGrad_();
  const want = gs.nn.functional.dropout(xc, 0.4, true);
  want.sum().backward();
  gs.manualSeed(3);
  const xg = onGpu(x, true);
  const got = gs.nn.functional.dropout(xg, 0.4, true);
  got.sum().backward();
  assert.equal(got.device, GPU);
  await assertCloseAsync(got, want, 1e-6, "dropout");
  await assertCloseAsync(xg.grad!, xc.grad!, 1e-6, "dropout grad");
});

test("the WGSL dropout kernel draws cpu-js's bits (Philox4x32-10 in u32 halves), at lengths off a block", async () => {
  const gpu = backendFor(GPU);
  for (const n of [1, 5, 4099]) {
    for (const [k0, k1, threshold] of [
      [0, 0, 0x33333333],
      [0xffffffff, 0x12345678, 0x80000000],
      [0x9abcdef0, 7, 0xfffffff0],
    ]) {
      const host = new Float32Array(n).map((_, i) => (i % 11) - 5.25);
      const want = new Float32Array(n);
      cpuJs.dropout(host, want, k0, k1, threshold, 1.25);
      const out = gs.Tensor.empty([n], "float32", GPU);
      gpu.dropout(gpu.upload(host), out.storage, k0, k1, threshold, 1.25);
      assert.deepEqual(await out.data(), want, `n=${n} key=${k0},${k1}`);
    }
  }
});
