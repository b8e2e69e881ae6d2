// AdamW's multi-tensor kernel on webgpu with the optimizer's state in one block per group: lists of 1,
// 7, 8, 9 and 20 parameters of mixed sizes (an empty one among them) give cpu-js's parameters and state
// over steps where some parameters have no .grad, in as few dispatches as the device's bindings allow
// (the block bound once), none binding more; state loaded from a state dict (separate buffers) and an
// empty list of gradients.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import * as gs from "../../src/index.js";
import { backendFor } from "../../src/tensor/device.js";
import type { WebGpuBackend } from "../../src/backend/webgpu/backend.js";
import type { Dispatch } from "../../src/backend/webgpu/context.js";
import { GPU, assertCloseAsync, initWebGpu, onGpu } from "./setup.js";

before(initWebGpu);

const SIZES = [37, 1, 300, 0, 64, 65, 7, 1000, 2, 129];
const ctx = () => (backendFor(GPU) as WebGpuBackend).context;
const limit = () => ctx().device.limits.maxStorageBuffersPerShaderStage;

function dispatchesOf(fn: () => void): Dispatch[] {
  const seen: Dispatch[] = [];
  ctx().observer = (d) => void seen.push(d);
  try {
    fn();
  } finally {
    ctx().observer = null;
  }
  return seen;
}

/** The AdamW dispatches of a step of `updated` parameters: 2 bindings each beside the state block. */
const expected = (updated: number, perParam: number, shared: number) =>
  Math.ceil(updated / Math.min(8, Math.floor((limit() - shared) / perParam)));

for (const count of [1, 7, 8, 9, 20])
  for (const amsgrad of [false, true])
    test(`AdamW over ${count} parameters${amsgrad ? " (AMSGrad)" : ""} on webgpu: cpu-js's results, state in one block`, async () => {
      gs.manualSeed(count);
      const init = Array.from({ length: count }, (_, i) => gs.randn([SIZES[i % SIZES.length]]));
      const pg = init.map((p) => new gs.nn.Parameter(onGpu(p)));
      const pc = init.map((p) => new gs.nn.Parameter(p.clone()));
      const opts = { lr: 0.05, weightDecay: 0.1, amsgrad };
      const [og, oc] = [new gs.optim.AdamW(pg, opts), new gs.optim.AdamW(pc, opts)];
      for (let step = 0; step < 3; step++) {
        // At step 1 every third parameter has no gradient: skipped, its state untouched.
        const skip = (i: number) => step === 1 && i % 3 === 0;
        init.forEach((p, i) => {
          const g = skip(i) ? null : gs.randn(p.shape);
          pg[i].grad = g && onGpu(g);
          pc[i].grad = g;
        });
        const seen = dispatchesOf(() => og.step());
        oc.step();
        for (const d of seen) {
          const bound = new Set(d.buffers.map((b) => b.gpu)).size;
          assert.ok(bound <= limit(), `${d.kernel} binds ${bound} of ${limit()}`);
        }
        // At step 2 the skipped parameters are a step behind: a call of their own (other bias corrections).
        const behind = step === 2 ? init.filter((_, i) => i % 3 === 0).length : 0;
        const updated = init.filter((_, i) => !skip(i)).length - behind;
        const adam = seen.filter((d) => d.kernel.startsWith("adamStep")).length;
        const want = expected(updated, 2, 1) + (behind > 0 ? expected(behind, 2, 1) : 0);
        assert.equal(adam, want, `AdamW dispatches at step ${step}`);
        assert.equal(seen.length - adam, step === 0 ? 1 : 0, "the block is zeroed once, at the first step");
      }
      const blocks = new Set(pg.map((p) => (og.state.get(p)!.exp_avg as gs.Tensor).storage));
      assert.equal(blocks.size, 1, "one block of state");
      for (let i = 0; i < count; i++) {
        await assertCloseAsync(pg[i], pc[i], 1e-5, `parameter ${i}`);
        const [sg, sc] = [og.state.get(pg[i])!, oc.state.get(pc[i])!];
        for (const k of amsgrad ? ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"] : ["exp_avg", "exp_avg_sq"]) {
          assert.deepEqual((sg[k] as gs.Tensor).shape, pc[i].shape);
          await assertCloseAsync(sg[k] as gs.Tensor, sc[k] as gs.Tensor, 1e-5, `${k} ${i}`);
        }
      }
    });

test("AdamW on webgpu with state loaded from a state dict: copied into one block, the same updates", async () => {
  gs.manualSeed(4);
  const init = SIZES.map((n) => gs.randn([n]));
  const pg = init.map((p) => new gs.nn.Parameter(onGpu(p)));
  const pc = init.map((p) => new gs.nn.Parameter(p.clone()));
  const [og, oc] = [new gs.optim.AdamW(pg, { lr: 0.1 }), new gs.optim.AdamW(pc, { lr: 0.1 })];
  for (let step = 0; step < 3; step++) {
    init.forEach((p, i) => {
      const g = gs.randn(p.shape);
      pg[i].grad = onGpu(g);
      pc[i].grad = g;
    });
    if (step === 1) og.loadStateDict(og.stateDict());
    const seen = dispatchesOf(() => og.step());
    oc.step();
    if (step > 0) assert.equal(seen.length, expected(SIZES.length, 2, 1), `dispatches at step ${step}`);
  }
  const blocks = new Set(pg.map((p) => (og.state.get(p)!.exp_avg as gs.Tensor).storage));
  assert.equal(blocks.size, 1, "one block of state after loading");
  for (let i = 0; i < init.length; i++) await assertCloseAsync(pg[i], pc[i], 1e-5, `parameter ${i}`);
});

test("AdamW on webgpu without any gradient, and adamSteps of an empty list: nothing dispatched", () => {
  const p = new gs.nn.Parameter(onGpu(gs.ones([3])));
  const opt = new gs.optim.AdamW([p]);
  assert.deepEqual(
    dispatchesOf(() => opt.step()),
    [],
  );
  assert.equal(opt.state.size, 0);
  const h = { stepSize: 1, bc2Sqrt: 1, shrink: 1, l2: 0, beta1: 0.9, beta2: 0.999, eps: 1e-8, sign: 1 };
  const none = { p: [], g: [], m: [], v: [], vmax: null, pOffset: [], gOffset: [], n: [] };
  assert.deepEqual(
    dispatchesOf(() => backendFor(GPU).adamSteps(none, h)),
    [],
  );
});
