// End to end: linear regression y = Xw + b on synthetic data (d2l 3.x), fitted with SGD and with Adam.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as gs from "../src/index.js";
import type { Optimizer } from "../src/optim/index.js";

const trueW = [2, -3.4];
const trueB = 4.2;

/** d2l's synthetic_data: X ~ N(0, 1), y = Xw + b + N(0, 0.01²). */
function syntheticData(n: number, g: gs.Generator): { X: gs.Tensor; y: gs.Tensor } {
  const X = gs.randn([n, 2], { generator: g });
  const w = gs.tensor(trueW, { dtype: "float32" }).reshape([2, 1]);
  const y = X.matmul(w)
    .add(trueB)
    .add(gs.randn([n, 1], { generator: g }).mul(0.01));
  return { X, y };
}

function fit(
  makeOpt: (params: gs.Tensor[]) => Optimizer,
  epochs: number,
  cosine = false,
): { w: number[]; b: number } {
  const g = new gs.Generator(42);
  const { X, y } = syntheticData(1000, g);
  const w = gs.randn([2, 1], { generator: g }).mul(0.01).requiresGrad_();
  const b = gs.zeros([1], { requiresGrad: true });
  const opt = makeOpt([w, b]);
  const batchSize = 10;
  const steps = (epochs * 1000) / batchSize;
  const sched = cosine ? new gs.optim.lrScheduler.CosineAnnealingLR(opt, { tMax: steps }) : null;
  for (let epoch = 0; epoch < epochs; epoch++) {
    const perm = gs.randperm(1000, { generator: g });
    for (let i = 0; i < 1000; i += batchSize) {
      const idx = perm.slice(0, i, i + batchSize);
      const err = X.indexSelect(0, idx).matmul(w).add(b).sub(y.indexSelect(0, idx));
      const loss = err.mul(err).mean().div(2);
      opt.zeroGrad();
      loss.backward();
      opt.step();
      sched?.step();
    }
  }
  return { w: w.toArray() as unknown as number[], b: b.item() };
}

function assertRecovered(name: string, got: { w: number[]; b: number }): void {
  const errs = [...trueW.map((t, i) => Math.abs(got.w[i] - t)), Math.abs(got.b - trueB)];
  assert.ok(Math.max(...errs) < 1e-2, `${name}: w = ${Array.from(got.w)}, b = ${got.b}`);
}

test("SGD recovers w and b of a linear regression", () => {
  assertRecovered(
    "SGD",
    fit((ps) => new gs.optim.SGD(ps, { lr: 0.03 }), 3),
  );
});

test("Adam (with cosine annealing) recovers w and b of a linear regression", () => {
  assertRecovered(
    "Adam",
    fit((ps) => new gs.optim.Adam(ps, { lr: 0.1 }), 5, true),
  );
});
