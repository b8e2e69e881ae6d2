// cpu-js's clipping list kernels (backend/clip-js.ts, the reference of the WebGPU ones), through
// clipGradNorm_ on a device the host cannot read (which takes the device path): the host path's norm
// and clipped gradients for each norm order, clipped and not, empty gradients and a NaN.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import * as gs from "../src/index.js";
import { ASYNC_DEVICE, makeAsyncBackend } from "./helpers/async-device.js";

gs.registerDevice(makeAsyncBackend());
after(() => gs.unregisterDevice(ASYNC_DEVICE));

const on = { device: ASYNC_DEVICE };

/** Parameters with the same gradients on the CPU and on the async device (sizes 0 to 40). */
function params(count: number, scale: number, dtype: "float32" | "float64") {
  gs.manualSeed(count);
  const grads = Array.from({ length: count }, (_, i) => gs.randn([(i * 7) % 41], { dtype }).mul(scale));
  const cpu = grads.map((g) => Object.assign(gs.zerosLike(g).requiresGrad_(), { grad: g.clone() }));
  const dev = grads.map((g) =>
    Object.assign(gs.zerosLike(g, on).requiresGrad_(), { grad: g.to(ASYNC_DEVICE) }),
  );
  return { cpu, dev };
}

for (const dtype of ["float32", "float64"] as const)
  for (const normType of [2, Infinity, 1, 3])
    for (const maxNorm of [1, 1e6])
      test(`clip-js: ${dtype} gradients, order ${normType}, maxNorm ${maxNorm}: the host path's results`, async () => {
        const { cpu, dev } = params(9, 3, dtype);
        const want = gs.nn.utils.clipGradNorm_(cpu, maxNorm, normType) as number;
        const got = gs.nn.utils.clipGradNorm_(dev, maxNorm, normType) as gs.Tensor;
        assert.equal(got.device, ASYNC_DEVICE);
        const tol = dtype === "float32" ? 1e-6 : 1e-12;
        assert.ok(
          Math.abs((await got.itemAsync()) - want) <= tol * want,
          `norm ${await got.itemAsync()} vs ${want}`,
        );
        for (let i = 0; i < cpu.length; i++) {
          const [g, w] = [await dev[i].grad!.data(), await cpu[i].grad!.data()];
          for (let j = 0; j < w.length; j++)
            assert.ok(Math.abs(g[j] - w[j]) <= tol * Math.max(1, Math.abs(w[j])));
        }
      });

test("clip-js: a NaN gradient makes the norm and every gradient NaN", async () => {
  const { dev } = params(3, 1, "float32");
  dev[2].grad = gs.tensor(
    Array.from({ length: 14 }, (_, i) => (i === 3 ? NaN : i)),
    on,
  );
  for (const normType of [2, Infinity]) {
    const norm = gs.nn.utils.clipGradNorm_(dev, 1, normType) as gs.Tensor;
    assert.ok(Number.isNaN(await norm.itemAsync()), `order ${normType}`);
  }
  assert.ok(Array.from(await dev[1].grad!.data()).every(Number.isNaN));
});
