// Optimizer state dicts (save, resume, validation) and bad constructor input.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as gs from "../src/index.js";
import type { Optimizer } from "../src/optim/index.js";

/** Two parameters with fixed starting values, and a deterministic gradient for each step. */
function makeParams(): gs.Tensor[] {
  const g = new gs.Generator(7);
  return [
    gs.randn([3, 4], { generator: g, requiresGrad: true }),
    gs.randn([5], { generator: g, requiresGrad: true }),
  ];
}
function setGrads(params: gs.Tensor[], step: number): void {
  const g = new gs.Generator(100 + step);
  for (const p of params) p.grad = gs.randn(p.shape, { generator: g });
}

const makers: Record<string, (ps: gs.Tensor[]) => Optimizer> = {
  SGD: (ps) => new gs.optim.SGD(ps, { lr: 0.1, momentum: 0.9, dampening: 0.1, weightDecay: 1e-3 }),
  Adam: (ps) =>
    new gs.optim.Adam([{ params: [ps[0]], lr: 0.01, amsgrad: true }, { params: [ps[1]] }], { lr: 0.02 }),
  AdamW: (ps) => new gs.optim.AdamW(ps, { lr: 0.01, betas: [0.9, 0.95], weightDecay: 0.1 }),
};

for (const [name, make] of Object.entries(makers)) {
  test(`${name}: resuming from a state dict continues bit-identically`, () => {
    const train = (
      opt: Optimizer,
      params: gs.Tensor[],
      sched: gs.optim.lrScheduler.StepLR,
      from: number,
      to: number,
    ) => {
      for (let s = from; s < to; s++) {
        opt.zeroGrad();
        setGrads(params, s);
        opt.step();
        sched.step();
      }
    };
    const ref = makeParams();
    const refOpt = make(ref);
    train(refOpt, ref, new gs.optim.lrScheduler.StepLR(refOpt, { stepSize: 2, gamma: 0.5 }), 0, 5);

    const first = makeParams();
    const opt1 = make(first);
    const sched1 = new gs.optim.lrScheduler.StepLR(opt1, { stepSize: 2, gamma: 0.5 });
    train(opt1, first, sched1, 0, 3);
    const saved = { opt: opt1.stateDict(), sched: sched1.stateDict(), params: first.map((p) => p.clone()) };
    train(opt1, first, sched1, 3, 4); // the saved copies must not change with further training

    const resumed = saved.params.map((p) => p.detach().requiresGrad_());
    const opt2 = make(resumed);
    const sched2 = new gs.optim.lrScheduler.StepLR(opt2, { stepSize: 2, gamma: 0.5 });
    opt2.loadStateDict(saved.opt);
    sched2.loadStateDict(saved.sched);
    train(opt2, resumed, sched2, 3, 5);
    resumed.forEach((p, i) => assert.deepEqual(p.toArray(), ref[i].toArray(), `${name} parameter ${i}`));
    assert.deepEqual(
      sched2.getLastLr(),
      refOpt.paramGroups.map((g) => g.lr),
    );
  });
}

test("stateDict has PyTorch's layout and names", () => {
  const ps = makeParams();
  const opt = new gs.optim.Adam([
    { params: [ps[0]], weightDecay: 0.5 },
    { params: [ps[1]], lr: 0.1 },
  ]);
  setGrads(ps, 0);
  opt.step();
  const sd = opt.stateDict();
  assert.deepEqual(sd.param_groups, [
    {
      lr: 1e-3,
      betas: [0.9, 0.999],
      eps: 1e-8,
      weight_decay: 0.5,
      amsgrad: false,
      maximize: false,
      params: [0],
    },
    {
      lr: 0.1,
      betas: [0.9, 0.999],
      eps: 1e-8,
      weight_decay: 0,
      amsgrad: false,
      maximize: false,
      params: [1],
    },
  ]);
  assert.deepEqual(Object.keys(sd.state), ["0", "1"]);
  assert.equal(sd.state[1].step, 1);
  assert.deepEqual((sd.state[1].exp_avg as gs.Tensor).shape, [5]);
  // a step tensor (PyTorch 1.13 keeps the step as a tensor) is accepted
  sd.state[0].step = gs.tensor(1);
  opt.loadStateDict(sd);
  assert.equal(opt.state.get(ps[0])!.step, 1);
});

test("loadStateDict refuses mismatched state dicts and leaves the optimizer unchanged", () => {
  const ps = makeParams();
  const opt = new gs.optim.Adam(ps, { lr: 0.1 });
  setGrads(ps, 0);
  opt.step();
  const sd = opt.stateDict();

  const one = new gs.optim.Adam([ps[0]]);
  assert.throws(
    () => one.loadStateDict(sd),
    /Adam.loadStateDict: parameter group 0 has 2 parameters in the state dict, 1 in this optimizer/,
  );
  const two = new gs.optim.Adam([{ params: [ps[0]] }, { params: [ps[1]] }]);
  assert.throws(() => two.loadStateDict(sd), /the state dict has 1 parameter groups, this optimizer has 2/);

  const other = [gs.zeros([3, 4], { requiresGrad: true }), gs.zeros([6], { requiresGrad: true })];
  const target = new gs.optim.Adam(other, { lr: 0.5 });
  assert.throws(
    () => target.loadStateDict(sd),
    /state\[1\]\.exp_avg has shape \[5\], but parameter 1 has shape \[6\]/,
  );
  assert.equal(target.paramGroups[0].lr, 0.5);
  assert.equal(target.state.size, 0);

  const missing = opt.stateDict();
  delete missing.state[0].exp_avg_sq;
  assert.throws(() => opt.loadStateDict(missing), /state\[0\] lacks "exp_avg_sq"/);
  const badLr = opt.stateDict();
  badLr.param_groups[0].lr = -1;
  assert.throws(() => opt.loadStateDict(badLr), /invalid learning rate lr -1/);
  assert.throws(() => opt.loadStateDict({} as never), /expected \{ state, param_groups \}/);
  assert.equal(opt.paramGroups[0].lr, 0.1);
});

test("constructors refuse bad options, naming the value", () => {
  const p = () => [gs.zeros([2], { requiresGrad: true })];
  assert.throws(() => new gs.optim.SGD(p(), { lr: -0.1 }), /SGD: invalid learning rate lr -0.1/);
  assert.throws(() => new gs.optim.SGD(p(), {} as never), /SGD: lr is required/);
  assert.throws(() => new gs.optim.SGD(p(), { lr: 0.1, momentum: -1 }), /SGD: invalid momentum -1/);
  assert.throws(
    () => new gs.optim.SGD(p(), { lr: 0.1, nesterov: true }),
    /SGD: Nesterov momentum requires momentum > 0 and dampening 0, got momentum 0 and dampening 0/,
  );
  assert.throws(
    () => new gs.optim.SGD(p(), { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true }),
    /Nesterov momentum requires/,
  );
  assert.throws(
    () => new gs.optim.Adam(p(), { betas: [1, 0.999] }),
    /Adam: invalid beta parameter at index 0: 1/,
  );
  assert.throws(
    () => new gs.optim.AdamW(p(), { betas: [0.9, -0.1] }),
    /AdamW: invalid beta parameter at index 1: -0.1/,
  );
  assert.throws(() => new gs.optim.Adam(p(), { eps: -1 }), /Adam: invalid epsilon value eps -1/);
  assert.throws(() => new gs.optim.Adam(p(), { weightDecay: -1 }), /Adam: invalid weightDecay -1/);
  assert.throws(
    () => new gs.optim.Adam(p(), { weight_decay: 0.1 } as never),
    /Adam: unknown option "weight_decay"/,
  );
  assert.throws(() => new gs.optim.Adam([]), /Adam: got an empty parameter list/);
  assert.throws(() => new gs.optim.Adam(gs.zeros([2]) as never), /single Tensor/);
  assert.throws(
    () => new gs.optim.SGD([{ params: p(), lr: -2 }], { lr: 0.1 }),
    /SGD: parameter group 0: invalid learning rate lr -2/,
  );
  const x = gs.zeros([2], { requiresGrad: true });
  assert.throws(() => new gs.optim.SGD([x, x], { lr: 0.1 }), /appears more than once/);
  assert.throws(() => new gs.optim.SGD([x.mul(2)], { lr: 0.1 }), /not a leaf tensor/);
  assert.throws(() => new gs.optim.SGD([gs.zeros([2], { dtype: "int32" })], { lr: 0.1 }), /dtype int32/);
});
