// nn.utils.clipGradNorm_ on webgpu: computed and applied on the device (nothing read back), the norm a
// 0-d tensor there; norms and clipped gradients match the CPU's within float32 tolerance, for the
// 2-norm, the max norm and another order, clipped and not, and a NaN gradient spreads as on the CPU.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import * as gs from "../../src/index.js";
import { GPU, assertCloseAsync, initWebGpu, onGpu } from "./setup.js";

before(initWebGpu);

/** Two parameters with fixed gradients on the CPU and their copies on webgpu. */
function pairs(scale: number): { cpu: gs.Tensor[]; gpu: gs.Tensor[] } {
  gs.manualSeed(5);
  const grads = [gs.randn([3, 4]).mul(scale), gs.randn([7]).mul(scale)];
  const cpu = grads.map((g) => Object.assign(gs.zerosLike(g).requiresGrad_(), { grad: g.clone() }));
  const gpu = grads.map((g) => Object.assign(onGpu(gs.zerosLike(g), true), { grad: onGpu(g) }));
  return { cpu, gpu };
}

for (const [normType, maxNorm, scale] of [
  [2, 1, 1],
  [2, 100, 1],
  [Infinity, 0.5, 1],
  [3, 1, 2],
  [1, 1e3, 1],
] as const) {
  test(`clipGradNorm_ of order ${normType} to ${maxNorm} matches the CPU`, async () => {
    const { cpu, gpu } = pairs(scale);
    const want = gs.nn.utils.clipGradNorm_(cpu, maxNorm, normType);
    const got = gs.nn.utils.clipGradNorm_(gpu, maxNorm, normType);
    assert.equal(typeof want, "number");
    assert.ok(got instanceof gs.Tensor && got.device === GPU && got.ndim === 0, "a 0-d tensor on webgpu");
    assert.ok(Math.abs((await got.itemAsync()) - (want as number)) <= 1e-5 * (want as number));
    for (let i = 0; i < cpu.length; i++)
      await assertCloseAsync(gpu[i].grad!, cpu[i].grad!, 1e-5, `grad ${i}`);
  });
}

test("a NaN gradient makes the norm and every clipped gradient NaN, as on the CPU", async () => {
  const { gpu } = pairs(1);
  gpu[1].grad = onGpu(gs.tensor([1, NaN, 2, 3, 4, 5, 6]));
  const norm = gs.nn.utils.clipGradNorm_(gpu, 1) as gs.Tensor;
  assert.ok(Number.isNaN(await norm.itemAsync()));
  assert.ok(((await gpu[0].grad!.tolistAsync()) as number[][]).flat().every(Number.isNaN));
});
