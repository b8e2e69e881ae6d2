/**
 * The linear layer's fused kernels: matmulBias (a GEMM whose epilogue adds the bias) and reluBackward
 * (dx = y > 0 ? g : 0): edge cases, the addon's (or in the wasm pass the module's) kernels against
 * cpu-js's, and an MLP step running them in place of matmul + add and of the mask, cast and product.
 * Fused == composed, forward and backward, is in ops-fused.test.ts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as gs from "../src/index.js";
import type { Tensor } from "../src/index.js";
import { cpuJs } from "../src/backend/cpu-js.js";
import { loadNative } from "../src/backend/native.js";
import { loadWasmSync } from "../src/backend/wasm/load.js";
import type { Backend, MatmulParams } from "../src/backend/types.js";
import { linearOp } from "../src/ops/fused/linear.js";
import { reluBackward, reluBackwardComposed } from "../src/ops/fused/relu.js";

test("linear with a bias and nothing to sum (in_features 0) is the bias on every row", () => {
  for (const dtype of ["float32", "float64"] as const) {
    const b = gs.tensor([1, -2, 3], { dtype });
    const y = linearOp(gs.zeros([4, 0], { dtype }), gs.zeros([3, 0], { dtype }), b);
    assert.deepEqual(y.shape, [4, 3]);
    assert.deepEqual(Array.from(y.toArray()), [1, -2, 3, 1, -2, 3, 1, -2, 3, 1, -2, 3]);
    assert.deepEqual(linearOp(gs.zeros([0, 5], { dtype }), gs.zeros([3, 5], { dtype }), b).shape, [0, 3]);
  }
});

test("reluBackward equals where(y > 0, g, 0) exactly, at zeros and on a strided gradient", () => {
  for (const dtype of ["float32", "float64"] as const) {
    const y = gs.tensor([0, -0, 1, 2.5, 0, 3, 1e-30], { dtype }).relu();
    const g = gs.tensor([1, 2, 3, 4, 5, 6, 7], { dtype });
    assert.deepEqual(
      Array.from(reluBackward(g, y).toArray()),
      Array.from(reluBackwardComposed(g, y).toArray()),
    );
    assert.deepEqual(Array.from(reluBackward(g, y).toArray()), [0, 0, 3, 4, 0, 6, 7]);
    // A strided gradient is read through its view.
    const g2 = gs.randn([7, 2], { dtype }).select(1, 0);
    assert.deepEqual(
      Array.from(reluBackward(g2, y).toArray()),
      Array.from(reluBackwardComposed(g2, y).toArray()),
    );
  }
});

// ---- the kernels of the addon (or the wasm module) against cpu-js's -----------------------------------

const wasmPass = process.env.GRADSTACK_BACKEND === "wasm";
const loaded = wasmPass ? { backend: loadWasmSync().backend } : loadNative();
const nb: Backend | null = "backend" in loaded ? ({ ...cpuJs, ...loaded.backend } as Backend) : null;

let seed = 99;
const rnd = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648 - 0.5;
};
function filled(F: Float32ArrayConstructor | Float64ArrayConstructor, n: number) {
  const a = new F(n);
  for (let i = 0; i < n; i++) a[i] = rnd();
  return a;
}

test("native reluBackward equals cpu-js's exactly, with zeros, NaN and infinities", (t) => {
  if (nb === null) return t.skip("no native kernels in this process");
  for (const F of [Float32Array, Float64Array])
    for (const n of [1, 7, 33, 257, 70001]) {
      const y = filled(F, n).map((v, i) => (i % 11 === 0 ? 0 : i % 13 === 0 ? NaN : v));
      const g = filled(F, n).map((v, i) => (i % 17 === 0 ? Infinity : v));
      const a = new F(n).fill(7);
      const b = new F(n).fill(7);
      nb.reluBackward(g, y, a);
      cpuJs.reluBackward(g, y, b);
      assert.deepEqual(a, b, `${F.name} n=${n}`);
    }
});

test("native matmulBias equals its own matmul then + bias, bit for bit, and cpu-js's within rounding", (t) => {
  if (nb === null) return t.skip("no native kernels in this process");
  // [batch, m, n, k]: odd sizes, the narrow kernels (n or k <= 16), a few rows, the pool, k = 0.
  const shapes = [
    [1, 1, 1, 1],
    [1, 7, 33, 100],
    [3, 33, 7, 20],
    [1, 128, 10, 256],
    [1, 128, 256, 784],
    [1, 300, 257, 9],
    [2, 3, 500, 64],
    [1, 300, 257, 200],
    [1, 5, 6, 0],
  ];
  for (const F of [Float32Array, Float64Array])
    for (const [batch, m, n, k] of shapes)
      for (const transA of [false, true])
        for (const transB of [false, true]) {
          const a = filled(F, batch * m * k + 3);
          const b = filled(F, batch * k * n + 5);
          const bias = filled(F, n + 2).subarray(2);
          const p: MatmulParams = {
            batch,
            m,
            n,
            k,
            transA,
            transB,
            lda: transA ? m : k,
            ldb: transB ? k : n,
            aOffset: 3,
            bOffset: 5,
            aBatchStride: m * k,
            bBatchStride: k * n,
          };
          const what = `${F.name} ${batch}x${m}x${n}x${k} ${transA}/${transB}`;
          const fused = new F(batch * m * n + 2).fill(7);
          const plain = new F(batch * m * n + 2).fill(7);
          const js = new F(batch * m * n + 2).fill(7);
          nb.matmulBias(a, b, bias, fused, p);
          nb.matmul(a, b, plain, p);
          for (let r = 0; r < batch * m; r++) for (let j = 0; j < n; j++) plain[r * n + j] += bias[j];
          cpuJs.matmulBias(a, b, bias, js, p);
          assert.deepEqual(fused, plain, what);
          const tol = F === Float32Array ? 1e-5 * Math.sqrt(k + 1) : 1e-12;
          for (let i = 0; i < js.length; i++)
            assert.ok(Math.abs(fused[i] - js[i]) <= tol * (1 + Math.abs(js[i])), `${what} at ${i}`);
        }
});

test("an MLP step runs its linear layers as matmulBias and relu's backward as one kernel", () => {
  gs.manualSeed(0);
  const model = new gs.nn.Sequential(new gs.nn.Linear(20, 16), new gs.nn.ReLU(), new gs.nn.Linear(16, 4));
  const x = gs.randn([8, 20]);
  const y = gs.randint(0, 4, [8]);
  const { kernels } = gs.profileKernels(() => {
    const loss = gs.nn.functional.crossEntropy(model.forward(x) as Tensor, y);
    loss.backward();
  });
  const calls = new Map(kernels.map(([k, s]) => [k, s.calls]));
  assert.equal(calls.get("matmulBias"), 2);
  assert.equal(calls.get("reluBackward"), 1);
  // No broadcast add of a bias, and no mask (gt) or product for relu (the casts left are cross-entropy's).
  for (const k of ["binary:add", "binary:gt", "binary:mul"]) assert.equal(calls.get(k), undefined, k);
});
