// Autograd semantics as in PyTorch: leaves, accumulation, noGrad, detach, long graphs, errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as gs from "../src/index.js";
import { backendOf } from "../src/tensor/device.js";

test("gradients accumulate into leaves across backward calls", () => {
  const x = gs.tensor([1, 2, 3], { dtype: "float32", requiresGrad: true });
  x.mul(x).sum().backward();
  assert.deepEqual(x.grad!.tolist(), [2, 4, 6]);
  x.sum().backward();
  assert.deepEqual(x.grad!.tolist(), [3, 5, 7]);
  x.zeroGrad();
  assert.equal(x.grad, null);
});

test("a tensor used twice gets both contributions", () => {
  const x = gs.tensor([3], { dtype: "float32", requiresGrad: true });
  const y = x.mul(x).add(x.mul(2));
  y.backward();
  assert.deepEqual(x.grad!.tolist(), [8]);
});

test("non-leaf tensors keep no grad unless retainGrad", () => {
  const x = gs.tensor([1, 2], { dtype: "float32", requiresGrad: true });
  const h = x.mul(2);
  const k = x.mul(3).retainGrad();
  h.add(k).sum().backward();
  assert.equal(h.grad, null);
  assert.equal(h.isLeaf, false);
  assert.deepEqual(k.grad!.tolist(), [1, 1]);
  assert.deepEqual(x.grad!.tolist(), [5, 5]);
});

test("leaf grads do not share storage with each other", () => {
  const a = gs.ones([2], { requiresGrad: true });
  const b = gs.ones([2], { requiresGrad: true });
  a.add(b).sum().backward();
  gs.noGrad(() => a.grad!.mul_(10));
  assert.deepEqual(b.grad!.tolist(), [1, 1]);
});

test("broadcast gradients are summed back to the input shape", () => {
  const a = gs.ones([2, 3], { requiresGrad: true });
  const b = gs.ones([3], { requiresGrad: true });
  const c = gs.ones([2, 1], { requiresGrad: true });
  a.mul(b).mul(c).sum().backward();
  assert.deepEqual(b.grad!.tolist(), [2, 2, 2]);
  assert.deepEqual(c.grad!.tolist(), [[3], [3]]);
});

test("backward with an explicit gradient for a non-scalar", () => {
  const x = gs.tensor([1, 2], { dtype: "float32", requiresGrad: true });
  x.mul(3).backward(gs.tensor([1, 10], { dtype: "float32" }));
  assert.deepEqual(x.grad!.tolist(), [3, 30]);
});

test("noGrad records nothing; detach cuts the graph", () => {
  const x = gs.ones([2], { requiresGrad: true });
  const y = gs.noGrad(() => x.mul(2));
  assert.equal(y.requiresGrad, false);
  assert.equal(y.gradFn, null);
  const z = x.detach().mul(2).add(x);
  z.sum().backward();
  assert.deepEqual(x.grad!.tolist(), [1, 1]);
  assert.equal(gs.isGradEnabled(), true);
  gs.noGrad(() => assert.equal(gs.enableGrad(() => x.mul(2)).requiresGrad, true));
});

test("a 10,000-step unrolled recurrence backpropagates without a stack overflow", () => {
  const w = gs.tensor([0.5], { dtype: "float32", requiresGrad: true });
  let h = gs.ones([1]);
  for (let t = 0; t < 10000; t++) h = h.mul(w).add(1).tanh();
  h.sum().backward();
  assert.ok(Number.isFinite(w.grad!.item()));
});

test("backward errors name the problem", () => {
  assert.throws(() => gs.ones([2]).sum().backward(), /does not require grad/);
  const x = gs.ones([2], { requiresGrad: true });
  assert.throws(() => x.mul(2).backward(), /only for one-element outputs.*shape \[2\]/);
  assert.throws(() => x.mul(2).backward(gs.ones([3])), /gradient shape \[3\] does not match.*\[2\]/);
  assert.throws(() => gs.tensor([1, 2]).requiresGrad_(), /only floating-point tensors can require grad/);
  assert.throws(() => x.add_(1), /in place while autograd records/);
});

test("gradients flow through views into the base tensor", () => {
  const x = gs.zeros([2, 3], { requiresGrad: true });
  const v = x.transpose(0, 1).index("1:", 0);
  v.mul(gs.tensor([2, 3], { dtype: "float32" }))
    .sum()
    .backward();
  assert.deepEqual(x.grad!.tolist(), [
    [0, 2, 3],
    [0, 0, 0],
  ]);
});

test("max over a dim sends the gradient to the first maximum, amax splits ties", () => {
  const x = gs.tensor([[1, 3, 3]], { dtype: "float32", requiresGrad: true });
  x.max(1)[0].sum().backward();
  assert.deepEqual(x.grad!.tolist(), [[0, 1, 0]]);
  x.zeroGrad();
  x.amax().backward();
  assert.deepEqual(x.grad!.tolist(), [[0, 0.5, 0.5]]);
});

test("a slice's gradient is zero outside the slice, whatever the reused memory held", () => {
  // Memory the gradient may reuse is poisoned first: whatever a view's gradient is written into, what
  // the view does not cover must come out zero (a contiguous slice along the first dim, and a strided one).
  const shape = [6, 64]; // 1.5 KiB: large enough for the host pool
  // Arrays of NaN given back for reuse (all made first: a released array would be taken again).
  const poison = () => {
    const junk = Array.from({ length: 8 }, () => gs.full(shape, Number.NaN));
    for (const j of junk) backendOf(j).release?.(j.storage);
  };
  for (const [begin, length] of [
    [0, 6],
    [0, 4],
    [2, 4],
    [1, 3],
  ]) {
    poison();
    const x = gs.randn(shape).requiresGrad_();
    x.narrow(0, begin, length).mul(3).sum().backward();
    const want = Array.from({ length: 6 * 64 }, (_, i) => {
      const row = Math.floor(i / 64);
      return row >= begin && row < begin + length ? 3 : 0;
    });
    assert.deepEqual(Array.from(x.grad!.toArray() as Float32Array), want, `narrow(0, ${begin}, ${length})`);
    poison();
    const y = gs.randn(shape).requiresGrad_();
    y.narrow(1, begin, length).sum().backward();
    const cols = Array.from({ length: 6 * 64 }, (_, i) => {
      const col = i % 64;
      return col >= begin && col < begin + length ? 1 : 0;
    });
    assert.deepEqual(Array.from(y.grad!.toArray() as Float32Array), cols, `narrow(1, ${begin}, ${length})`);
  }
});
