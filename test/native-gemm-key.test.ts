/**
 * MatmulParams.bKey on the native GEMM: calls that repeat a key reuse the packed B (the recurrent
 * layers' W_hh over T steps) and give cpu-js's products; a fresh key repacks; a batch that walks B
 * ignores the key. Skips when the addon is not built.
 */
import { test } from "node:test";
import assert from "node:assert/strict";

import { cpuJs } from "../src/backend/cpu-js.js";
import { loadNative } from "../src/backend/native.js";
import type { Backend, MatmulParams } from "../src/backend/types.js";

const loaded = loadNative();
const nb: Backend | null = "backend" in loaded ? ({ ...cpuJs, ...loaded.backend } as Backend) : null;
const skip = "error" in loaded ? `native addon unavailable: ${loaded.error}` : false;

let seed = 7;
const rnd = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648 - 0.5;
};
const randF32 = (n: number) => Float32Array.from({ length: n }, rnd);

function params(m: number, n: number, k: number, transB: boolean, bKey: number): MatmulParams {
  return {
    batch: 1,
    m,
    n,
    k,
    transA: false,
    transB,
    lda: k,
    ldb: transB ? k : n,
    aOffset: 0,
    bOffset: 0,
    aBatchStride: 0,
    bBatchStride: 0,
    bKey,
  };
}

function assertClose(got: Float32Array, want: Float32Array, k: number, what: string): void {
  const atol = 1e-5 * Math.sqrt(k + 1);
  for (let i = 0; i < want.length; i++)
    if (Math.abs(got[i] - want[i]) > atol + 1e-5 * Math.abs(want[i]))
      assert.fail(`${what}: element ${i} is ${got[i]}, cpu-js ${want[i]}`);
}

// m = 32 (an LSTM batch: a short last row panel), odd n and k over one cache block, both B layouts.
const SHAPES: [number, number, number][] = [
  [32, 1024, 256],
  [32, 256, 1024],
  [20, 70, 300],
  [9, 33, 5],
];

test("matmul with a repeated bKey: the same products as cpu-js over many steps", { skip }, () => {
  let key = 1000;
  for (const [m, n, k] of SHAPES)
    for (const transB of [false, true]) {
      const b = randF32(k * n);
      const p = params(m, n, k, transB, ++key);
      for (let step = 0; step < 3; step++) {
        const a = randF32(m * k);
        const got = new Float32Array(m * n);
        const want = new Float32Array(m * n);
        nb!.matmul(a, b, got, p);
        cpuJs.matmul(a, b, want, p);
        assertClose(got, want, k, `${m}x${n}x${k} transB=${transB} step ${step}`);
      }
    }
});

test("matmul bKey: a fresh key repacks B; the same key reuses the packed copy", { skip }, () => {
  const [m, n, k] = [32, 64, 48];
  const a = randF32(m * k);
  const b = randF32(k * n);
  const first = new Float32Array(m * n);
  nb!.matmul(a, b, first, params(m, n, k, false, 1));
  const b0 = b.slice();
  b.set(randF32(k * n)); // B changes in place, as an optimizer step changes W_hh
  const fresh = new Float32Array(m * n);
  const want = new Float32Array(m * n);
  nb!.matmul(a, b, fresh, params(m, n, k, false, 2));
  cpuJs.matmul(a, b, want, params(m, n, k, false, 0));
  assertClose(fresh, want, k, "fresh key");
  // Repeating key 2 promises B unchanged, so the packed copy is used even though B changed again.
  b.set(randF32(k * n));
  const reused = new Float32Array(m * n);
  nb!.matmul(a, b, reused, params(m, n, k, false, 2));
  assert.deepEqual(reused, fresh);
  nb!.matmul(a, b0, reused, params(m, n, k, false, 2)); // another array: packed again
  cpuJs.matmul(a, b0, want, params(m, n, k, false, 0));
  assertClose(reused, want, k, "another B under the same key");
});

test("matmul bKey with a batch that walks B: the key is ignored", { skip }, () => {
  const [batch, m, n, k] = [3, 13, 40, 17];
  const a = randF32(batch * m * k);
  const b = randF32(batch * k * n);
  const p: MatmulParams = {
    ...params(m, n, k, false, 77),
    batch,
    aBatchStride: m * k,
    bBatchStride: k * n,
  };
  const got = new Float32Array(batch * m * n);
  const want = new Float32Array(batch * m * n);
  nb!.matmul(a, b, got, p);
  cpuJs.matmul(a, b, want, p);
  assertClose(got, want, k, "batched");
});
