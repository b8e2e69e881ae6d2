// Dropout on webgpu draws its mask from the same host generator as on the CPU (then sends it to the
// device): the same seed gives the same result, and the gradient goes through the same mask.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import * as gs from "../../src/index.js";
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
