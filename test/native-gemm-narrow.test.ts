/**
 * The narrow GEMM path (native/src/gemm_narrow.cc): products with n or k in 1..16, or a few rows,
 * against cpu-js in float32 and float64, every transpose combination, padded leading dimensions,
 * offsets, batches (B shared or walked) and one product large enough for the thread pool. In the
 * wasm pass of npm test the same cases run on the WebAssembly module. Skips without the addon.
 */
import { test } from "node:test";
import assert from "node:assert/strict";

import { cpuJs } from "../src/backend/cpu-js.js";
import { loadNative } from "../src/backend/native.js";
import { loadWasmSync } from "../src/backend/wasm/load.js";
import { gemmParams } from "../src/backend/rnn-sequence-js.js";
import type { Backend } from "../src/backend/types.js";

const loaded = process.env.GRADSTACK_BACKEND === "wasm" ? { backend: loadWasmSync().backend } : loadNative();
const nb: Backend | null = "backend" in loaded ? ({ ...cpuJs, ...loaded.backend } as Backend) : null;
const skip = "error" in loaded ? `native addon unavailable: ${loaded.error}` : false;

let seed = 11;
const rnd = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return (2 * seed) / 2147483648 - 1;
};

type Float = Float32Array | Float64Array;
type FloatCtor = Float32ArrayConstructor | Float64ArrayConstructor;

interface Case {
  batch: number;
  m: number;
  n: number;
  k: number;
  /** Batch stride of B: 0 shares one B over the batch. */
  shareB: boolean;
  pad: number;
  offset: number;
}

function run(
  be: Backend,
  F: FloatCtor,
  c: Case,
  transA: boolean,
  transB: boolean,
  a: Float,
  b: Float,
): Float {
  const [rowsA, colsA] = transA ? [c.k, c.m] : [c.m, c.k];
  const [rowsB, colsB] = transB ? [c.n, c.k] : [c.k, c.n];
  const lda = colsA + c.pad,
    ldb = colsB + c.pad;
  const p = gemmParams(c.m, c.n, c.k, {
    batch: c.batch,
    transA,
    transB,
    lda,
    ldb,
    aOffset: c.offset,
    bOffset: c.offset,
    aBatchStride: rowsA * lda,
    bBatchStride: c.shareB ? 0 : rowsB * ldb,
  });
  const out = new F(c.batch * c.m * c.n + 2).fill(7); // stale values are overwritten, the tail kept
  be.matmul(a, b, out, p);
  return out;
}

function check(F: FloatCtor, c: Case): void {
  const sizeA = c.offset + c.batch * (c.m + c.pad) * (c.k + c.pad) + c.pad;
  const sizeB = c.offset + c.batch * (c.n + c.pad) * (c.k + c.pad) + c.pad;
  const a = new F(sizeA).map(rnd);
  const b = new F(sizeB).map(rnd);
  const atol = F === Float32Array ? 1e-5 * Math.sqrt(c.k + 1) : 1e-12;
  for (const transA of [false, true])
    for (const transB of [false, true]) {
      const got = run(nb!, F, c, transA, transB, a, b);
      const want = run(cpuJs, F, c, transA, transB, a, b);
      for (let i = 0; i < want.length; i++)
        if (!(Math.abs(got[i] - want[i]) <= atol))
          assert.fail(
            `${F.name} ${JSON.stringify(c)} transA=${transA} transB=${transB}: element ${i} is ${got[i]}, cpu-js ${want[i]}`,
          );
    }
}

const base: Case = { batch: 1, m: 37, n: 1, k: 1, shareB: false, pad: 0, offset: 0 };

for (const F of [Float32Array, Float64Array]) {
  test(`narrow matmul, ${F.name}: n and k from 1 to 16 against cpu-js`, { skip }, () => {
    for (let short = 1; short <= 16; short++) {
      check(F, { ...base, n: short, k: 70 });
      check(F, { ...base, n: 70, k: short });
      check(F, { ...base, m: short, n: 70, k: 45, pad: 3, offset: 5 });
      check(F, { ...base, m: 13, n: short, k: short, pad: 1, offset: 2 });
    }
  });

  test(`narrow matmul, ${F.name}: batches, a shared B, and a product split over threads`, { skip }, () => {
    check(F, { ...base, batch: 3, m: 29, n: 10, k: 40, shareB: true, pad: 2, offset: 3 });
    check(F, { ...base, batch: 4, m: 29, n: 50, k: 9 });
    check(F, { ...base, batch: 2, m: 10, n: 100, k: 64, shareB: true });
    check(F, { ...base, m: 6000, n: 10, k: 64 });
    check(F, { ...base, m: 2000, n: 300, k: 12 });
  });
}
