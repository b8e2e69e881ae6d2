// The kernels that split a long serial loop over more workgroups, against cpu-js (float32 sums in
// another order: 1e-4 relative): layerNorm's weight and bias gradients as column sums over blocks of
// rows, split-k matmul (products with few output tiles and a long k, as a weight gradient), cross-entropy
// over a long row (256 threads a row) and a reduction of over 1024 chunks. Shapes
// cross the split points: one row, rows not a multiple of the block, many rows; k not a multiple of a
// slice. The probe checks that the multi-pass path ran (its dispatches), not only the answer.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import * as gs from "../../src/index.js";
import { cpuJs } from "../../src/backend/cpu-js.js";
import { backendFor } from "../../src/tensor/device.js";
import type { WebGpuBackend } from "../../src/backend/webgpu/backend.js";
import { probeDevice } from "../../src/backend/webgpu/probe.js";
import { splitK } from "../../src/backend/webgpu/split-k.js";
import { assertCloseAsync, GPU, initWebGpu } from "./setup.js";
import { matmulLengths, matmulParams } from "./matmul-params.js";

before(initWebGpu);

const gpu = () => backendFor(GPU) as WebGpuBackend;
const randn = (n: number) => gs.randn([n]).storage as Float32Array;

/** Runs `record` and returns the dispatches it recorded. */
function dispatchesOf(record: () => void): number {
  gpu().context.flush(); // the probe counts the dispatches of encoders created after it
  const probe = probeDevice(gpu().context.device);
  try {
    record();
    gpu().context.flush();
    return probe.calls.dispatches;
  } finally {
    probe.remove();
  }
}

/** An output on the device, zero-filled. */
const output = (n: number) => gs.zeros([n], { device: GPU });

test("webgpu layerNormBackward: dw and db over blocks of rows (1, 63, 64, 65, 200 and 1000 rows)", async () => {
  gs.manualSeed(21);
  for (const [rows, cols] of [
    [1, 70],
    [63, 70],
    [64, 1],
    [65, 130],
    [200, 70],
    [1000, 33],
  ]) {
    const [x, w, b, g] = [randn(rows * cols), randn(cols), randn(cols), randn(rows * cols)];
    const [out, mean, rstd] = [new Float32Array(rows * cols), new Float32Array(rows), new Float32Array(rows)];
    cpuJs.layerNorm(x, w, b, out, mean, rstd, rows, cols, 1e-5);
    for (const [withW, withB] of [
      [true, true],
      [true, false],
      [false, true],
    ]) {
      const [dx, dw, db] = [new Float32Array(rows * cols), new Float32Array(cols), new Float32Array(cols)];
      cpuJs.layerNormBackward(g, x, w, mean, rstd, dx, withW ? dw : null, withB ? db : null, rows, cols);
      const d = gpu();
      const [gdx, gdw, gdb] = [output(rows * cols), output(cols), output(cols)];
      const dispatches = dispatchesOf(() =>
        d.layerNormBackward(
          d.upload(g),
          d.upload(x),
          d.upload(w),
          d.upload(mean),
          d.upload(rstd),
          gdx.storage,
          withW ? gdw.storage : null,
          withB ? gdb.storage : null,
          rows,
          cols,
        ),
      );
      const what = `layerNormBackward ${rows}×${cols} ${withW ? "dw" : ""} ${withB ? "db" : ""}`;
      // dx, the blocks' partial sums, then the blocks' sum when there is more than one block.
      assert.equal(dispatches, rows > 64 ? 3 : 2, `${what}: dispatches`);
      await assertCloseAsync(gdx, dx, 1e-4, `${what}: dx`);
      if (withW) await assertCloseAsync(gdw, dw, 1e-4, `${what}: dw`);
      if (withB) await assertCloseAsync(gdb, db, 1e-4, `${what}: db`);
    }
  }
});

test("webgpu splitK: slices of whole tile steps covering k, only for products with few workgroups", () => {
  // The GPU recipe's qkv weight gradient: 108 tiles over k = 16384.
  const s = splitK(108, 16384, 16, 1, 384 * 1152);
  assert.equal(s.slices, 10);
  assert.equal(s.kSlice % 16, 0);
  assert.ok((s.slices - 1) * s.kSlice < 16384 && s.slices * s.kSlice >= 16384, "the slices cover k");
  assert.deepEqual(splitK(1536, 16000, 16, 1, 1 << 20), { slices: 1, kSlice: 16000 }, "enough tiles");
  // GPT-2's head, dx = dlogits · W: enough tiles, but 3144 steps of k = 50304.
  assert.deepEqual(splitK(1536, 50304, 16, 1, 8192 * 768), { slices: 4, kSlice: 12576 }, "a long k");
  assert.deepEqual(splitK(12, 200, 16, 1, 4096), { slices: 1, kSlice: 200 }, "too short a k");
  assert.equal(splitK(1, 1 << 20, 16, 65535, 65535).slices, 1, "at most 65535 workgroups along z");
});

test("webgpu matmul split over k: both tiles, every transpose, a bias, a batch, k not a multiple of a slice", async () => {
  gs.manualSeed(22);
  for (const transA of [false, true])
    for (const transB of [false, true])
      for (const [m, n, k, batch, withBias] of [
        [64, 64, 1024, 1, false], // one 64×64 tile: 4 slices of 256
        [65, 70, 1000, 1, true], // 4 tiles: 3 slices, the last one short
        [70, 65, 2100, 2, false], // a batch of 2 × 4 tiles
        [8, 70, 2048, 1, true], // the 16×16 tile: 5 of them
      ] as const) {
        const p = matmulParams(m, n, k, transA, transB, batch); // a batch shares B
        const [aLen, bLen] = matmulLengths(p);
        const [a, b, bias] = [randn(aLen), randn(bLen), randn(n)];
        const want = new Float32Array(batch * m * n);
        if (withBias) cpuJs.matmulBias(a, b, bias, want, p);
        else cpuJs.matmul(a, b, want, p);
        const d = gpu();
        const [ga, gb, gbias, out] = [d.upload(a), d.upload(b), d.upload(bias), output(want.length)];
        const dispatches = dispatchesOf(() =>
          withBias ? d.matmulBias(ga, gb, gbias, out.storage, p) : d.matmul(ga, gb, out.storage, p),
        );
        const what = `split matmul ${JSON.stringify({ m, n, k, batch, transA, transB, withBias })}`;
        assert.equal(dispatches, 2, `${what}: the slices' products, then their sum`);
        await assertCloseAsync(out, want, 1e-4, what);
      }
});

test("webgpu crossEntropy over rows of 3000 logits (a workgroup of 256 threads a row), forward and backward", async () => {
  gs.manualSeed(23);
  for (const rows of [1, 3]) {
    const x = gs.randn([rows, 3000]).mul(3);
    const target = gs.tensor([2999, -100, 0].slice(0, rows), { dtype: "int32" });
    const xg = gs.noGrad(() => x.to(GPU)).requiresGrad_();
    const xc = x.detach().requiresGrad_();
    const lg = gs.nn.functional.crossEntropy(xg, target.to(GPU));
    const lc = gs.nn.functional.crossEntropy(xc, target);
    await assertCloseAsync(lg, lc, 1e-5, `crossEntropy ${rows}×3000`);
    lg.backward();
    lc.backward();
    await assertCloseAsync(xg.grad!, xc.grad!, 1e-5, `crossEntropy ${rows}×3000: dx`);
  }
});

test("webgpu sum of 5 million elements: 1220 chunks, then their sum", async () => {
  gs.manualSeed(24);
  const x = gs.randn([5_000_000]);
  await assertCloseAsync(gs.noGrad(() => x.to(GPU)).sum(), x.sum(), 1e-4, "sum of 1220 chunks");
});

test("webgpu reductions over the rows of many columns (column-wise blocks, then the blocks' reduction)", async () => {
  gs.manualSeed(25);
  for (const [outer, rows, cols] of [
    [1, 65, 16],
    [1, 1000, 70],
    [3, 200, 33],
    [1, 300000, 17], // 4096 blocks of 74 rows
  ]) {
    const x = gs.randn([outer, rows, cols]);
    const xg = gs.noGrad(() => x.to(GPU));
    const what = `${outer}×${rows}×${cols} over the rows`;
    await assertCloseAsync(xg.sum(1), x.sum(1), 1e-4, `sum ${what}`);
    await assertCloseAsync(xg.amax(1), x.amax(1), 0, `max ${what}`);
    await assertCloseAsync(xg.amin(1), x.amin(1), 0, `min ${what}`);
    const near1 = x.mul(0.001).add(1);
    await assertCloseAsync(gs.noGrad(() => near1.to(GPU)).prod(1), near1.prod(1), 1e-4, `prod ${what}`);
    const ints = x.mul(10).to("int32");
    await assertCloseAsync(gs.noGrad(() => ints.to(GPU)).sum(1), ints.sum(1), 0, `int32 sum ${what}`);
    await assertCloseAsync(xg.gt(0).sum(1), x.gt(0).sum(1), 0, `a count of bools ${what}`);
  }
});
