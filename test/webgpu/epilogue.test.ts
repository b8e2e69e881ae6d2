// The linear layer's kernels on WebGPU against the CPU: matmulBias (forward of a Linear with a bias) and
// reluBackward, through the ops that call them, forward and backward.
import { before, test } from "node:test";
import * as gs from "../../src/index.js";
import { assertCloseAsync, initWebGpu, onGpu } from "./setup.js";

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
