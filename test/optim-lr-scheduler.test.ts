// Learning-rate schedulers against PyTorch's values (computed by hand from its formulas) and nanoGPT's get_lr.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as gs from "../src/index.js";

const S = gs.optim.lrScheduler;
const near = (got: number, want: number, tol = 1e-12) =>
  assert.ok(Math.abs(got - want) <= tol * Math.max(1, Math.abs(want)), `got ${got}, want ${want}`);

const param = () => gs.zeros([2], { requiresGrad: true });
const sgd = (lr = 1, momentum = 0) => new gs.optim.SGD([param()], { lr, momentum });

/** The lr after the constructor, then after each of n step() calls. */
function lrs(sched: gs.optim.lrScheduler.LRScheduler, n: number): number[] {
  const out = [sched.getLastLr()[0]];
  for (let i = 0; i < n; i++) {
    sched.optimizer.step();
    sched.step();
    out.push(sched.getLastLr()[0]);
  }
  return out;
}

test("StepLR multiplies the lr by gamma every stepSize epochs", () => {
  const opt = sgd(1);
  const got = lrs(new S.StepLR(opt, { stepSize: 2, gamma: 0.1 }), 6);
  [1, 1, 0.1, 0.1, 0.01, 0.01, 0.001].forEach((w, i) => near(got[i], w));
  near(opt.paramGroups[0].lr, 0.001);
  assert.equal(opt.paramGroups[0].initialLr, 1);
});

test("LambdaLR scales each group's initial lr", () => {
  const a = param();
  const b = param();
  const opt = new gs.optim.SGD([{ params: [a] }, { params: [b], lr: 0.5 }], { lr: 1 });
  const sched = new S.LambdaLR(opt, (e) => 0.5 ** e);
  sched.step();
  sched.step();
  assert.deepEqual(sched.getLastLr(), [0.25, 0.125]);
  const two = new S.LambdaLR(new gs.optim.SGD([{ params: [a] }, { params: [b] }], { lr: 1 }), [
    (e) => e,
    (e) => 2 * e,
  ]);
  two.step();
  assert.deepEqual(two.getLastLr(), [1, 2]);
  assert.throws(
    () => new S.LambdaLR(opt, [(e) => e]),
    /LambdaLR: expected 2 lr lambdas \(one per group\), got 1/,
  );
});

test("CosineAnnealingLR follows the closed form, also past tMax", () => {
  const T = 10;
  const etaMin = 0.1;
  const got = lrs(new S.CosineAnnealingLR(sgd(1), { tMax: T, etaMin }), 3 * T);
  got.forEach((lr, e) => near(lr, etaMin + ((1 - etaMin) * (1 + Math.cos((Math.PI * e) / T))) / 2));
  near(got[T], etaMin);
});

test("OneCycleLR: first, peak and last lr, and momentum cycling", () => {
  const opt = sgd(0.5, 0.9);
  const sched = new S.OneCycleLR(opt, { maxLr: 1, totalSteps: 100 });
  const got = [sched.getLastLr()[0]];
  const mom = [opt.paramGroups[0].momentum];
  for (let i = 1; i < 100; i++) {
    sched.step();
    got.push(sched.getLastLr()[0]);
    mom.push(opt.paramGroups[0].momentum);
  }
  near(got[0], 1 / 25); // maxLr / divFactor
  near(got[29], 1); // the peak, at pctStart·totalSteps − 1
  near(got[99], 1 / 25 / 1e4); // initialLr / finalDivFactor
  near(got[14], 1 + ((1 / 25 - 1) / 2) * (Math.cos((Math.PI * 14) / 29) + 1));
  near(mom[0], 0.95);
  near(mom[29], 0.85);
  near(mom[99], 0.95);
  assert.equal(opt.paramGroups[0].maxLr, 1);
  sched.step(); // step totalSteps is still allowed, as in PyTorch
  assert.throws(
    () => sched.step(),
    /OneCycleLR: step\(\) called 101 times, past the end of the schedule \(totalSteps 100\)/,
  );
  assert.equal(sched.lastEpoch, 100);
});

test("OneCycleLR cycles Adam's beta1; linear annealing; three phases", () => {
  const opt = new gs.optim.Adam([param()]);
  const sched = new S.OneCycleLR(opt, { maxLr: 0.01, epochs: 2, stepsPerEpoch: 5, annealStrategy: "linear" });
  assert.deepEqual(opt.paramGroups[0].betas, [0.95, 0.999]);
  // phase 1 ends at step 2: halfway at step 1
  sched.step();
  near(sched.getLastLr()[0], (0.01 + 0.01 / 25) / 2);
  near(opt.paramGroups[0].betas[0], 0.9);
  const three = new S.OneCycleLR(sgd(1, 0.9), { maxLr: 1, totalSteps: 20, pctStart: 0.25, threePhase: true });
  const got = lrs(three, 19);
  near(got[4], 1);
  near(got[8], 1 / 25);
  near(got[19], 1 / 25 / 1e4);
  assert.throws(
    () => new S.OneCycleLR(sgd(), { maxLr: 1, totalSteps: 10, pctStart: 1.5 }),
    /pctStart .* got 1.5/,
  );
  assert.throws(
    () => new S.OneCycleLR(sgd(), { maxLr: 1, totalSteps: 10, annealStrategy: "exp" as never }),
    /annealStrategy must be "cos" or "linear", got "exp"/,
  );
  assert.throws(() => new S.OneCycleLR(sgd(), { maxLr: 1 }), /give totalSteps, or epochs and stepsPerEpoch/);
});

test("cosineWithWarmupLr is nanoGPT's get_lr", () => {
  const o = { lr: 6e-4, warmupIters: 2000, lrDecayIters: 600000, minLr: 6e-5 };
  near(S.cosineWithWarmupLr(0, o), 6e-4 / 2001, 1e-15);
  near(S.cosineWithWarmupLr(1999, o), (6e-4 * 2000) / 2001, 1e-15);
  near(S.cosineWithWarmupLr(2000, o), 6e-4, 1e-15);
  near(S.cosineWithWarmupLr(301000, o), 6e-5 + 0.5 * (6e-4 - 6e-5), 1e-15);
  near(S.cosineWithWarmupLr(600000, o), 6e-5, 1e-15);
  assert.equal(S.cosineWithWarmupLr(700000, o), 6e-5);
  assert.throws(
    () => S.cosineWithWarmupLr(0, { ...o, lrDecayIters: 2000 }),
    /cosineWithWarmupLr: lrDecayIters must be an integer >= 2001, got 2000/,
  );
});

test("CosineWithWarmupLR sets each group's lr from its initial lr", () => {
  const opt = new gs.optim.AdamW([{ params: [param()] }, { params: [param()], lr: 2e-3 }], { lr: 1e-3 });
  const sched = new S.CosineWithWarmupLR(opt, { warmupIters: 10, lrDecayIters: 100, minLr: [1e-4, 2e-4] });
  for (let it = 0; it < 120; it++) {
    const want = [
      S.cosineWithWarmupLr(it, { lr: 1e-3, warmupIters: 10, lrDecayIters: 100, minLr: 1e-4 }),
      S.cosineWithWarmupLr(it, { lr: 2e-3, warmupIters: 10, lrDecayIters: 100, minLr: 2e-4 }),
    ];
    assert.deepEqual(sched.getLastLr(), want, `iteration ${it}`);
    assert.deepEqual(
      opt.paramGroups.map((g) => g.lr),
      want,
    );
    sched.step();
  }
});

test("scheduler state dicts resume the schedule", () => {
  const a = sgd(1);
  const sa = new S.CosineAnnealingLR(a, { tMax: 20 });
  for (let i = 0; i < 7; i++) sa.step();
  const sd = sa.stateDict();
  assert.equal(sd.last_epoch, 7);
  assert.deepEqual(sd.base_lrs, [1]);
  const optSd = a.stateDict();
  assert.equal(optSd.param_groups[0].initial_lr, 1);

  const b = sgd(1);
  const sb = new S.CosineAnnealingLR(b, { tMax: 20 });
  b.loadStateDict(optSd);
  sb.loadStateDict(sd);
  for (let i = 0; i < 5; i++) {
    sa.step();
    sb.step();
  }
  assert.deepEqual(sb.getLastLr(), sa.getLastLr());
  assert.throws(
    () => sb.loadStateDict({ ...sd, base_lrs: [1, 2] }),
    /base_lrs must be an array of 1 numbers/,
  );
});

test("schedulers refuse bad input", () => {
  assert.throws(
    () => new S.StepLR(sgd(), { stepSize: 0 }),
    /StepLR: stepSize must be an integer >= 1, got 0/,
  );
  assert.throws(() => new S.StepLR({} as never, { stepSize: 1 }), /StepLR: expected an Optimizer/);
  assert.throws(
    () => new S.CosineAnnealingLR(sgd(), { tMax: 10, eta_min: 0 } as never),
    /unknown option "eta_min"/,
  );
  assert.throws(
    () => new S.StepLR(sgd(), { stepSize: 2, lastEpoch: 4 }),
    /StepLR: parameter group 0 has no initialLr, needed to resume at lastEpoch 4/,
  );
});
