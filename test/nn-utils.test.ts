// gs.nn.utils: gradient clipping and parameter vectors.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as gs from "../src/index.js";

const U = gs.nn.utils;

/** Parameters with gradients [3, 4] and [[12]]: total 2-norm 13, 1-norm 19, max 12. */
function withGrads(): gs.Tensor[] {
  const a = gs.zeros([2], { requiresGrad: true });
  const b = gs.zeros([1, 1], { requiresGrad: true });
  a.grad = gs.tensor([3, -4], { dtype: "float32" });
  b.grad = gs.tensor([[12]], { dtype: "float32" });
  return [a, b];
}

const near = (got: number, want: number, tol = 1e-6) =>
  assert.ok(Math.abs(got - want) <= tol, `got ${got}, want ${want}`);

test("clipGradNorm_ returns the total norm and scales the grads to maxNorm", () => {
  const ps = withGrads();
  assert.equal(U.clipGradNorm_(ps, 1), 13);
  const c = 1 / (13 + 1e-6);
  [3 * c, -4 * c].forEach((w, i) => near(ps[0].grad!.toArray()[i], w));
  near(ps[1].grad!.item(), 12 * c);
  near(U.clipGradNorm_(ps, 1) as number, 1, 1e-6);
});

test("clipGradNorm_ leaves small grads alone; other norm types; params without grad", () => {
  const ps = withGrads();
  assert.equal(U.clipGradNorm_(ps, 20), 13);
  assert.deepEqual(ps[0].grad!.tolist(), [3, -4]);
  near(U.clipGradNorm_(withGrads(), 100, 1) as number, 19, 1e-12);
  near(U.clipGradNorm_(withGrads(), 100, 3) as number, Math.cbrt(27 + 64 + 1728), 1e-9);
  const inf = withGrads();
  assert.equal(U.clipGradNorm_(inf, 6, Infinity), 12);
  near(inf[1].grad!.item(), (12 * 6) / (12 + 1e-6), 1e-5);
  assert.equal(U.clipGradNorm_([gs.zeros([2], { requiresGrad: true })], 1), 0);
  assert.equal(U.clipGradNorm_(withGrads()[0], 100), 5);
});

test("clipGradNorm_ on a non-contiguous grad, and non-finite norms", () => {
  const p = gs.zeros([2, 2], { requiresGrad: true });
  p.grad = gs
    .tensor(
      [
        [0, 6],
        [8, 0],
      ],
      { dtype: "float32" },
    )
    .transpose(0, 1);
  assert.equal(U.clipGradNorm_([p], 5), 10);
  const g = p.grad.toArray();
  [0, 4, 3, 0].forEach((w, i) => near(g[i], w, 1e-5));
  const q = gs.zeros([2], { requiresGrad: true });
  q.grad = gs.tensor([Infinity, 1], { dtype: "float32" });
  assert.throws(
    () => U.clipGradNorm_([q], 1, 2, { errorIfNonfinite: true }),
    /clipGradNorm_: the total norm of order 2 .* is Infinity/,
  );
  assert.equal(U.clipGradNorm_([q], 1), Infinity);
  assert.throws(() => U.clipGradNorm_(withGrads(), -1), /maxNorm must be a number >= 0, got -1/);
  assert.throws(
    () => U.clipGradNorm_(withGrads(), 1, 0),
    /normType must be a positive number or Infinity, got 0/,
  );
  assert.throws(() => U.clipGradNorm_([1] as never, 1), /element 0 is number, expected a Tensor/);
});

test("clipGradValue_ clamps every grad element", () => {
  const ps = withGrads();
  U.clipGradValue_(ps, 3.5);
  assert.deepEqual(ps[0].grad!.tolist(), [3, -3.5]);
  assert.deepEqual(ps[1].grad!.tolist(), [[3.5]]);
  assert.throws(() => U.clipGradValue_(ps, -1), /clipValue must be a number >= 0, got -1/);
});

test("parametersToVector and vectorToParameters round trip", () => {
  const a = gs.tensor(
    [
      [1, 2],
      [3, 4],
    ],
    { dtype: "float32", requiresGrad: true },
  );
  const b = gs.tensor([5], { dtype: "float32", requiresGrad: true });
  const v = U.parametersToVector([a, b]);
  assert.deepEqual(v.tolist(), [1, 2, 3, 4, 5]);
  U.vectorToParameters(v.detach().mul(10), [a, b]);
  assert.deepEqual(a.tolist(), [
    [10, 20],
    [30, 40],
  ]);
  assert.deepEqual(b.tolist(), [50]);
  assert.throws(
    () => U.vectorToParameters(gs.zeros([4]), [a, b]),
    /vectorToParameters: vec has 4 elements, the parameters have 5/,
  );
  assert.throws(() => U.vectorToParameters(gs.zeros([5, 1]), [a, b]), /vec must be a 1-D Tensor, got 2 dims/);
});
