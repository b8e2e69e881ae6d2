// Fused kernels equal their compositions (the definitions), forward and backward.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as gs from "../src/index.js";
import type { Tensor } from "../src/index.js";
import { softmaxComposed, logSoftmaxComposed } from "../src/ops/fused/softmax.js";
import { geluComposed } from "../src/ops/fused/gelu.js";
import { linearComposed, linearOp } from "../src/ops/fused/linear.js";
import { layerNormComposed } from "../src/ops/fused/layer-norm.js";
import { classLossComposed } from "../src/ops/fused/cross-entropy.js";
import {
  causalAttentionKernel,
  causalSelfAttention,
  causalSelfAttentionComposed,
} from "../src/ops/fused/attention.js";
import { assertClose } from "./helpers/fixtures.js";
import { causalAttentionBackwardJs, causalAttentionJs } from "../src/backend/fused-js.js";
import { kernels } from "../src/backend/index.js";

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

test("linear with a bias (one matmulBias call) equals matmul + add, forward and backward", () => {
  const cases: [string, () => Tensor[]][] = [
    ["2-d", () => [gs.randn([5, 4]), gs.randn([3, 4]), gs.randn([3])]],
    ["3-d batch", () => [gs.randn([2, 7, 33]), gs.randn([17, 33]), gs.randn([17])]],
    ["1-d input", () => [gs.randn([6]), gs.randn([4, 6]), gs.randn([4])]],
    ["transposed input", () => [gs.randn([9, 5]).mT, gs.randn([3, 9]), gs.randn([3])]],
    ["strided rows", () => [gs.randn([4, 3, 8]).select(1, 1), gs.randn([5, 8]), gs.randn([5])]],
    ["transposed weight", () => [gs.randn([6, 10]), gs.randn([10, 7]).mT, gs.randn([7])]],
    ["strided bias", () => [gs.randn([4, 12]), gs.randn([20, 12]), gs.randn([20, 2]).select(1, 1)]],
    ["wide (pool)", () => [gs.randn([130, 300]), gs.randn([257, 300]), gs.randn([257])]],
    ["narrow output", () => [gs.randn([128, 256]), gs.randn([10, 256]), gs.randn([10])]],
    ["narrow k", () => [gs.randn([300, 9]), gs.randn([200, 9]), gs.randn([200])]],
  ];
  for (const [, make] of cases) same(linearOp, linearComposed, make);
});

test("relu's one-kernel backward equals the mask-and-product composition", () => {
  same(
    (x) => x.relu(),
    (x) => x.mul(x.gt(0)),
    () => [gs.randn([7, 33])],
  );
  same(
    (x) => x.mT.relu(),
    (x) => x.mT.mul(x.mT.gt(0)),
    () => [gs.randn([300, 257])],
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

test("fused causal attention (reference kernels, and the active backend's) equals the composition", () => {
  const B = 2;
  const T = 5;
  const nh = 2;
  const hs = 3;
  const C = nh * hs;
  for (const dtype of ["float64", "float32"] as const) {
    gs.manualSeed(11);
    const qkv = gs.randn([B, T, 3 * C], { dtype }).requiresGrad_();
    const dout = gs.randn([B, T, C], { dtype });
    const want = causalSelfAttentionComposed(qkv, nh);
    want.mul(dout).sum().backward();
    const tol = dtype === "float64" ? 1e-10 : 1e-5;
    const out = gs.zeros([B, T, C], { dtype });
    const lse = gs.zeros([B, nh, T], { dtype });
    causalAttentionJs(qkv.storage, out.storage, lse.storage, B, T, nh, hs, 1 / Math.sqrt(hs));
    assertClose(out, want, tol, `${dtype} reference forward`);
    const dqkv = gs.zeros([B, T, 3 * C], { dtype });
    causalAttentionBackwardJs(
      qkv.storage,
      out.storage,
      dout.storage,
      lse.storage,
      dqkv.storage,
      B,
      T,
      nh,
      hs,
      1 / Math.sqrt(hs),
    );
    assertClose(dqkv, qkv.grad!, tol, `${dtype} reference backward`);
    const x = qkv.detach().clone().requiresGrad_();
    const y = causalAttentionKernel(x, nh);
    y.mul(dout).sum().backward();
    assertClose(y, want, tol, `${dtype} ${gs.backend().name} forward`);
    assertClose(x.grad!, qkv.grad!, tol, `${dtype} ${gs.backend().name} backward`);
  }
});

test("causalSelfAttention runs the kernel unless the backend prefers the composition or there is a cache", () => {
  const qkv = gs.randn([2, 4, 12]).requiresGrad_();
  const calls = (fn: () => void) => new Map(gs.profileKernels(fn).kernels).get("causalAttention")?.calls ?? 0;
  const fused = !kernels().preferComposition.includes("causalAttention");
  assert.equal(
    calls(() => causalSelfAttention(qkv, 2)),
    fused ? 1 : 0,
  );
  assert.equal(
    calls(() => causalSelfAttention(qkv, 2, { cache: { entry: null, past: 0 } })),
    0,
  );
  // Dropout runs inside the kernel (test/attention-dropout.test.ts).
  assert.equal(
    calls(() => causalSelfAttention(qkv, 2, { dropoutP: 0.1 })),
    fused ? 1 : 0,
  );
  // cpu-js prefers the composition; the native backend runs its kernel.
  assert.equal(fused, gs.backend().name !== "cpu-js");
});
