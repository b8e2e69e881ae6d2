// Both WGSL matmul kernels (16×16 for small outputs, the register-blocked 64×64 tile for the rest)
// against cpu-js on odd shapes (1, 17, 65, 129 …) with every transpose combination, padded leading
// dimensions, offsets and batches (float32 sums in another order: 1e-4 relative).
import { before, test } from "node:test";
import assert from "node:assert/strict";
import * as gs from "../../src/index.js";
import { cpuJs } from "../../src/backend/cpu-js.js";
import { backendFor } from "../../src/tensor/device.js";
import type { MatmulParams } from "../../src/backend/types.js";
import { usesBigTile } from "../../src/backend/webgpu/matmul.js";
import type { WebGpuBackend } from "../../src/backend/webgpu/backend.js";
import { assertCloseAsync, GPU, initWebGpu } from "./setup.js";
import { matmulParams as params, matmulLengths } from "./matmul-params.js";

before(initWebGpu);

async function check(p: MatmulParams): Promise<void> {
  const [aLen, bLen] = matmulLengths(p);
  const a = gs.randn([aLen]).storage as Float32Array;
  const b = gs.randn([bLen]).storage as Float32Array;
  const want = new Float32Array(p.batch * p.m * p.n);
  cpuJs.matmul(a, b, want, p);
  const gpu = backendFor(GPU);
  const out = gs.Tensor.empty([want.length], "float32", GPU);
  gpu.matmul(gpu.upload(a), gpu.upload(b), out.storage, p);
  const { m, n, k, transA, transB, batch, lda, ldb } = p;
  await assertCloseAsync(
    out,
    want,
    1e-4,
    `matmul ${JSON.stringify({ m, n, k, transA, transB, batch, lda, ldb })}`,
  );
}

const SHAPES: [number, number, number][] = [
  [64, 64, 16],
  [65, 65, 17],
  [129, 65, 1],
  [129, 129, 129],
  [65, 129, 65],
  [1, 129, 65],
  [17, 65, 129],
  [65, 1, 17],
];

test("webgpu matmul on odd shapes, every transpose combination (both kernels)", async () => {
  gs.manualSeed(3);
  let big = 0;
  for (const transA of [false, true])
    for (const transB of [false, true])
      for (const [m, n, k] of SHAPES) {
        const p = params(m, n, k, transA, transB);
        if (usesBigTile(p)) big++;
        await check(p);
      }
  assert.ok(big >= 16, "the register-blocked kernel ran");
});

test("webgpu matmul: batches, shared B, padded leading dimensions and offsets", async () => {
  gs.manualSeed(4);
  for (const transA of [false, true])
    for (const transB of [false, true]) {
      await check(params(65, 70, 33, transA, transB, 3, 3));
      await check(params(66, 64, 20, transA, transB, 2, 0));
      await check(params(17, 9, 40, transA, transB, 2, 1));
    }
});

test("webgpu matmul: the subgroups variant of the 64×64 tile (quad broadcasts), then back to the plain tile", async (t) => {
  const ctx = (backendFor(GPU) as WebGpuBackend).context;
  if (!ctx.device.features.has("subgroups")) {
    // SwiftShader and the H200 have subgroups; a device without them keeps the plain tile.
    assert.equal(gs.webgpu.setMatmulKernel("subgroups"), "tiled");
    t.skip("this device has no subgroups");
    return;
  }
  assert.equal(gs.webgpu.setMatmulKernel("subgroups"), "subgroups");
  try {
    gs.manualSeed(5);
    for (const transA of [false, true])
      for (const transB of [false, true]) {
        for (const [m, n, k] of SHAPES) await check(params(m, n, k, transA, transB));
        await check(params(65, 70, 33, transA, transB, 3, 3));
        await check(params(128, 192, 40, transA, transB, 2, 0));
      }
  } finally {
    assert.equal(gs.webgpu.setMatmulKernel("tiled"), "tiled");
  }
  gs.manualSeed(6);
  await check(params(129, 129, 129, false, true));
});
