// Optimizer update rules: PyTorch 1.13 reference runs and hand-computed cases.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as gs from "../src/index.js";
import type { Optimizer } from "../src/optim/index.js";
import { assertClose, fromFixture, loadFixture } from "./helpers/fixtures.js";

/** Builds the optimizer a fixture's config describes (PyTorch option names). */
function fromConfig(p: gs.Tensor, c: Record<string, unknown>): Optimizer {
  const lr = c.lr as number;
  const weightDecay = (c.weight_decay as number | undefined) ?? 0;
  switch (c.optimizer) {
    case "SGD":
      return new gs.optim.SGD([p], {
        lr,
        weightDecay,
        momentum: (c.momentum as number | undefined) ?? 0,
        nesterov: (c.nesterov as boolean | undefined) ?? false,
      });
    case "Adam":
      return new gs.optim.Adam([p], {
        lr,
        weightDecay,
        betas: c.betas as [number, number],
        eps: c.eps as number,
      });
    case "AdamW":
      return new gs.optim.AdamW([p], {
        lr,
        weightDecay,
        betas: c.betas as [number, number],
        eps: c.eps as number,
      });
  }
  throw new Error(`unknown optimizer ${String(c.optimizer)}`);
}

for (const name of ["optim_sgd_momentum_nesterov", "optim_adam", "optim_adamw"]) {
  for (const dtype of ["float32", "float64"] as const) {
    test(`${name} matches PyTorch after three steps (${dtype})`, () => {
      const fx = loadFixture(name);
      const grads = fx.grads as unknown as { shape: number[]; data: number[] }[];
      const p = fromFixture(fx.param0!, { dtype, requiresGrad: true });
      const opt = fromConfig(p, fx.config);
      for (const g of grads) {
        opt.zeroGrad();
        p.grad = fromFixture(g, { dtype });
        opt.step();
      }
      assertClose(p, fx.param3!, dtype === "float32" ? 1e-5 : 1e-12, `${name} param3 (${dtype})`);
    });
  }
}

/** A one-element float64 parameter with value v. */
const scalarParam = (v: number) => gs.tensor([v], { dtype: "float64", requiresGrad: true });

function stepWith(opt: Optimizer, p: gs.Tensor, g: number): number {
  opt.zeroGrad();
  p.grad = gs.tensor([g], { dtype: "float64" });
  opt.step();
  return p.item();
}

test("SGD with dampening and weight decay (hand-computed)", () => {
  const p = scalarParam(1);
  const opt = new gs.optim.SGD([p], { lr: 0.1, momentum: 0.9, dampening: 0.5, weightDecay: 0.1 });
  // d = 1 + 0.1·1 = 1.1; buf = d (no dampening at the first step); p = 1 − 0.11
  assert.ok(Math.abs(stepWith(opt, p, 1) - 0.89) < 1e-15);
  // d = 1 + 0.1·0.89 = 1.089; buf = 0.9·1.1 + 0.5·1.089 = 1.5345; p = 0.89 − 0.15345
  assert.ok(Math.abs(stepWith(opt, p, 1) - 0.73655) < 1e-15);
  assertClose(opt.state.get(p)!.momentum_buffer as gs.Tensor, [1.5345], 1e-15);
});

test("SGD without momentum keeps no state; maximize ascends", () => {
  const p = scalarParam(1);
  const opt = new gs.optim.SGD([p], { lr: 0.5, maximize: true });
  assert.equal(stepWith(opt, p, 2), 2);
  assert.deepEqual(opt.state.get(p), {});
});

test("Adam with amsgrad keeps the largest second moment (hand-computed)", () => {
  const run = (amsgrad: boolean) => {
    const p = scalarParam(1);
    const opt = new gs.optim.Adam([p], { lr: 0.1, betas: [0.5, 0.5], eps: 0, amsgrad });
    // step 1: m = 1, v = 2, m̂ = 2, v̂ = 4: p = 1 − 0.1·2/2
    assert.ok(Math.abs(stepWith(opt, p, 2) - 0.9) < 1e-15);
    return { p: stepWith(opt, p, 0), opt };
  };
  // step 2 with g = 0: m = 0.5, v = 1 (max 2); lr/(1 − 0.25) · 0.5 / (√v / √0.75)
  assert.ok(Math.abs(run(false).p - (0.9 - Math.sqrt(0.75) / 15)) < 1e-15);
  const { p, opt } = run(true);
  assert.ok(Math.abs(p - (0.9 - Math.sqrt(3 / 8) / 15)) < 1e-15);
  const s = opt.state.values().next().value!;
  assert.deepEqual(Object.keys(s), ["step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"]);
  assert.equal(s.step, 2);
  assertClose(s.max_exp_avg_sq as gs.Tensor, [2], 1e-15);
});

test("Adam adds weight decay to the gradient, AdamW shrinks the parameter", () => {
  const a = scalarParam(1);
  const adam = new gs.optim.Adam([a], { lr: 0.1, weightDecay: 0.1 });
  // g = 1 + 0.1 = 1.1; at step 1 the bias-corrected ratio m̂/√v̂ is 1: p = 1 − 0.1
  assert.ok(Math.abs(stepWith(adam, a, 1) - 0.9) < 1e-7);
  const w = scalarParam(1);
  const adamw = new gs.optim.AdamW([w], { lr: 0.1, weightDecay: 0.1 });
  // p = 1·(1 − 0.01) − 0.1
  assert.ok(Math.abs(stepWith(adamw, w, 1) - 0.89) < 1e-7);
  assert.equal(new gs.optim.AdamW([scalarParam(0)]).defaults.weightDecay, 1e-2);
  assert.deepEqual(new gs.optim.Adam([scalarParam(0)]).defaults.betas, [0.9, 0.999]);
});

test("parameter groups override the defaults per group", () => {
  const a = scalarParam(1);
  const b = scalarParam(1);
  const opt = new gs.optim.SGD([{ params: [a], lr: 0.1 }, { params: [b] }], { lr: 0.01, momentum: 0 });
  assert.equal(opt.paramGroups[0].lr, 0.1);
  assert.equal(opt.paramGroups[1].lr, 0.01);
  assert.equal(opt.paramGroups[1].momentum, 0);
  a.grad = gs.tensor([1], { dtype: "float64" });
  b.grad = gs.tensor([1], { dtype: "float64" });
  opt.step();
  assert.ok(Math.abs(a.item() - 0.9) < 1e-15);
  assert.ok(Math.abs(b.item() - 0.99) < 1e-15);
  // lr is mutable between steps (what schedulers do)
  opt.paramGroups[1].lr = 0.5;
  opt.step();
  assert.ok(Math.abs(b.item() - 0.49) < 1e-15);
});

test("parameters without a grad are skipped; zeroGrad sets grads to null or zero", () => {
  const a = scalarParam(1);
  const b = scalarParam(1);
  const opt = new gs.optim.Adam([a, b], { lr: 0.1 });
  a.grad = gs.tensor([1], { dtype: "float64" });
  opt.step();
  assert.equal(b.item(), 1);
  assert.equal(opt.state.has(b), false);
  opt.zeroGrad(false);
  assert.deepEqual(a.grad!.tolist(), [0]);
  opt.zeroGrad();
  assert.equal(a.grad, null);
});

test("step updates non-contiguous parameters and gradients", () => {
  const base = gs.tensor([1, 2, 3, 4, 5, 6], { shape: [2, 3], dtype: "float32" });
  const pT = base.transpose(0, 1); // (3, 2), a view
  pT.requiresGrad = true;
  const g = gs.tensor([1, 1, 1, 1, 1, 1], { shape: [2, 3], dtype: "float32" }).transpose(0, 1);
  const opt = new gs.optim.SGD([pT], { lr: 0.5 });
  pT.grad = g;
  opt.step();
  assert.deepEqual(base.tolist(), [
    [0.5, 1.5, 2.5],
    [3.5, 4.5, 5.5],
  ]);
});

test("step(closure) returns the closure's loss", () => {
  const p = scalarParam(3);
  const opt = new gs.optim.SGD([p], { lr: 0.25 });
  const loss = opt.step(() => {
    opt.zeroGrad();
    const l = p.mul(p).sum();
    l.backward();
    return l.item();
  });
  assert.equal(loss, 9);
  assert.equal(p.item(), 1.5);
});
