// Running out of GPU memory is a clear error that names the size and the limit, at once (never a hang,
// a lost device or a wrong result), and the device keeps working afterwards.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import * as gs from "../../src/index.js";
import { backendFor } from "../../src/tensor/device.js";
import type { WebGpuBackend } from "../../src/backend/webgpu/backend.js";
import { assertCloseAsync, GPU, initWebGpu, onGpu } from "./setup.js";

before(initWebGpu);

test("a tensor over the GPU's buffer limit is an error naming its size and the limit", async () => {
  const gpu = backendFor(GPU) as WebGpuBackend;
  const limit = gpu.context.pool.maxBytes;
  const n = limit / 4 + 4; // float32 elements one buffer cannot hold
  const tooBig = new RegExp(
    `out of memory: a buffer of .* \\(${n * 4} bytes\\) is over this GPU's limit of .*max`,
  );
  assert.throws(() => gs.zeros([n], { device: GPU }), tooBig);
  // Inside an op: the copy that makes a broadcast view contiguous.
  const one = gs.ones([1], { device: GPU });
  assert.throws(() => one.expand([n]).contiguous(), tooBig);
  assert.throws(() => gpu.alloc("int32", n), tooBig);
  // Nothing was lost: the device still computes.
  const x = gs.randn([4, 3]);
  await assertCloseAsync(onGpu(x).mul(2).sum(), x.mul(2).sum(), 1e-5, "after the error");
});
