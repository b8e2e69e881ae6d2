// Fused kernels equal their compositions (the definitions), forward and backward.
import { test } from "node:test";
import * as gs from "../src/index.js";
import type { Tensor } from "../src/index.js";
import { softmaxComposed, logSoftmaxComposed } from "../src/ops/composite.js";
import { geluComposed, layerNormComposed, classLossComposed } from "../src/nn/functional.js";
import { assertClose } from "./helpers/fixtures.js";

const F = gs.nn.functional;

/** Runs fused and composed on copies of the same inputs and compares outputs and all input grads. */
function same(
  fused: (...xs: Tensor[]) => Tensor,
  composed: (...xs: Tensor[]) => Tensor,
  make: () => Tensor[],
) {
  for (const dtype of ["float64", "float32"] as const) {
    gs.manualSeed(3);
    const base = make().map((t) => t.to(dtype));
    const run = (fn: (...xs: Tensor[]) => Tensor) => {
      const xs = base.map((t) => t.detach().clone().requiresGrad_());
      const y = fn(...xs);
      y.mul(gs.linspace(-1, 2, y.numel(), { dtype }).reshape(y.shape))
        .sum()
        .backward();
      return { y, grads: xs.map((x) => x.grad!) };
    };
    const a = run(fused);
    const b = run(composed);
    const tol = dtype === "float64" ? 1e-10 : 1e-5;
    assertClose(a.y, b.y, tol, `${dtype} forward`);
    a.grads.forEach((g, i) => assertClose(g, b.grads[i], tol, `${dtype} grad ${i}`));
  }
}

test("fused softmax and log-softmax equal the composition", () => {
  same(
    (x) => x.softmax(-1),
    (x) => softmaxComposed(x, -1),
    () => [gs.randn([3, 4, 7]).mul(3)],
  );
  same(
    (x) => x.logSoftmax(1),
    (x) => logSoftmaxComposed(x, 1),
    () => [gs.randn([5, 9]).mul(3)],
  );
});

test("fused GELU (exact and tanh) equals the composition", () => {
  for (const approximate of ["none", "tanh"] as const)
    same(
      (x) => F.gelu(x, { approximate }),
      (x) => geluComposed(x, { approximate }),
      () => [gs.randn([4, 6]).mul(2)],
    );
});

test("fused layerNorm equals the composition, with and without affine parameters", () => {
  same(
    (x, w, b) => F.layerNorm(x, 6, w, b),
    (x, w, b) => layerNormComposed(x, 6, w, b),
    () => [gs.randn([2, 3, 6]), gs.randn([6]), gs.randn([6])],
  );
  same(
    (x) => F.layerNorm(x, [5]),
    (x) => layerNormComposed(x, [5]),
    () => [gs.randn([4, 5]).add(3)],
  );
  same(
    (x, w) => F.layerNorm(x, [5], w, null),
    (x, w) => layerNormComposed(x, [5], w, null),
    () => [gs.randn([4, 5]), gs.randn([5])],
  );
  same(
    (x, b) => F.layerNorm(x, [5], null, b),
    (x, b) => layerNormComposed(x, [5], null, b),
    () => [gs.randn([4, 5]), gs.randn([5])],
  );
});

test("fused cross-entropy equals the composition for every reduction, with ignored targets", () => {
  const target = gs.tensor([2, -100, 0, 4, 4, 1]);
  for (const reduction of ["mean", "sum", "none"] as const)
    same(
      (x) => F.crossEntropy(x, target, { reduction }),
      (x) =>
        classLossComposed(
          x,
          target,
          [6],
          { ignoreIndex: -100, reduction, labelSmoothing: 0 },
          true,
          "crossEntropy",
        ),
      () => [gs.randn([6, 5]).mul(2)],
    );
});
