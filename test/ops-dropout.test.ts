/**
 * Dropout drawn from the counter-based generator (backend/philox.ts): Philox4x32-10's published answers,
 * the same bits from cpu-js and the compiled kernels (the addon, or wasm in that pass), the kept fraction
 * within a binomial bound, fresh masks per call and reproducible ones per seed, and a gradient through the
 * recomputed mask (float64 gradcheck on cpu-js). test/webgpu/dropout.test.ts checks the WGSL twin.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as gs from "../src/index.js";
import { cpuJs } from "../src/backend/cpu-js.js";
import { philox4x32 } from "../src/backend/philox.js";
import { loadNative } from "../src/backend/native.js";
import { loadWasmSync } from "../src/backend/wasm/load.js";
import type { Backend } from "../src/backend/types.js";

// Random123's known-answer vectors for Philox4x32-10 (tests/kat_vectors in D. E. Shaw Research's
// Random123 distribution): counter, key, output.
const KAT: [number[], number[], number[]][] = [
  [
    [0, 0, 0, 0],
    [0, 0],
    [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8],
  ],
  [
    [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff],
    [0xffffffff, 0xffffffff],
    [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd],
  ],
  [
    [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
    [0xa4093822, 0x299f31d0],
    [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1],
  ],
];

test("Philox4x32-10 gives Random123's known answers", () => {
  const out = new Uint32Array(4);
  for (const [c, k, want] of KAT) {
    philox4x32(c[0], c[1], c[2], c[3], k[0], k[1], out);
    assert.deepEqual([...out], want);
  }
});

test("the dropout kernel's element i is word i mod 4 of the block at counter ⌊i/4⌋", () => {
  // Under key (0, 0) block 0 is the first known answer: words below the threshold are dropped.
  const threshold = 0xa0000000;
  const out = new Float64Array(4);
  cpuJs.dropout(new Float64Array(4).fill(1), out, 0, 0, threshold, 2);
  assert.deepEqual([...out], [0, 2, 2, 0]); // 6627e8d5 < a0000000 ≤ e169c58d, bc57ac4c; 9b00dbd8 <
  const block1 = new Uint32Array(4);
  philox4x32(1, 0, 0, 0, 0, 0, block1);
  const six = new Float64Array(6);
  cpuJs.dropout(new Float64Array(6).fill(1), six, 0, 0, threshold, 2);
  assert.deepEqual(
    [...six.subarray(4)],
    [...block1.subarray(0, 2)].map((w) => (w >= threshold ? 2 : 0)),
  );
});

// The compiled kernels: the addon's, or in the wasm pass the same C++ compiled to WebAssembly.
const loaded = process.env.GRADSTACK_BACKEND === "wasm" ? { backend: loadWasmSync().backend } : loadNative();
const compiled = "backend" in loaded ? (loaded.backend as Partial<Backend>) : null;

test("the compiled dropout kernel draws cpu-js's bits, float32 and float64, at any length", (t) => {
  if (compiled?.dropout === undefined) return t.skip("the native addon is not built");
  const keys: [number, number][] = [
    [0, 0],
    [0xffffffff, 1],
    [0x12345678, 0x9abcdef0],
  ];
  for (const Arr of [Float32Array, Float64Array]) {
    for (const n of [1, 3, 4, 7, 100_003]) {
      const x = new Arr(n).map((_, i) => (i % 13) - 6.5);
      for (const [k0, k1] of keys) {
        for (const [threshold, scale] of [
          [0, 1],
          [0x33333333, 1 / 0.8],
          [0xfffffffe, 3],
        ]) {
          const want = new Arr(n);
          const got = new Arr(n).fill(NaN);
          cpuJs.dropout(x, want, k0, k1, threshold, scale);
          compiled.dropout(x, got, k0, k1, threshold, scale);
          assert.deepEqual(got, want, `${Arr.name} n=${n} key=${k0},${k1} threshold=${threshold}`);
        }
      }
    }
  }
});

test("the kept fraction is within a binomial bound of 1 − p, and kept elements are scaled by 1/(1 − p)", () => {
  const n = 200_000;
  gs.manualSeed(11);
  for (const p of [0.05, 0.2, 0.5, 0.9]) {
    const y = gs.nn.functional.dropout(gs.ones([n]), p, true).toArray();
    const scale = Math.fround(1 / (1 - p));
    let kept = 0;
    for (const v of y) {
      if (v !== 0) {
        kept++;
        assert.equal(v, scale);
      }
    }
    const sd = Math.sqrt((p * (1 - p)) / n);
    assert.ok(Math.abs(kept / n - (1 - p)) < 5 * sd, `p=${p}: kept ${kept / n}, 5σ = ${5 * sd}`);
  }
});

test("successive calls draw new masks; the same seed draws the same ones", () => {
  const masks = () => {
    gs.manualSeed(5);
    return [0, 1].map(() => gs.nn.functional.dropout(gs.ones([64]), 0.5, true).toArray());
  };
  const [a, b] = masks();
  assert.notDeepEqual(a, b);
  assert.deepEqual(masks(), [a, b]);
  // A generator of its own fixes the mask without touching the global stream.
  const own = () => gs.nn.functional.dropout(gs.ones([64]), 0.5, true, new gs.Generator(9)).toArray();
  assert.deepEqual(own(), own());
});

test("dropout of a strided view is dropout of its contiguous copy (elements in row-major order)", () => {
  const x = gs.arange(0, 24, 1, { dtype: "float32" }).reshape([4, 6]).add(1);
  const view = x.transpose(0, 1);
  const a = gs.nn.functional.dropout(view, 0.4, true, new gs.Generator(2));
  const b = gs.nn.functional.dropout(view.contiguous(), 0.4, true, new gs.Generator(2));
  assert.deepEqual(a.tolist(), b.tolist());
});

test("the gradient is the mask times 1/(1 − p), recomputed from the key (no mask kept)", () => {
  const x = gs.rand([5, 7]).add(0.5).requiresGrad_();
  const p = 0.3;
  const y = gs.nn.functional.dropout(x, p, true, new gs.Generator(4));
  y.mul(gs.arange(0, 35, 1).reshape([5, 7]))
    .sum()
    .backward();
  const ys = y.toArray();
  const g = x.grad!.toArray();
  for (let i = 0; i < ys.length; i++) {
    const kept = ys[i] !== 0;
    assert.equal(g[i], kept ? Math.fround(i * Math.fround(1 / (1 - p))) : 0, `element ${i}`);
  }
  assert.equal(y.gradFn?.inputs.length, 1, "the graph holds x only");
});

test("gradcheck dropout (float64; the mask fixed by a generator per call)", () => {
  const x = gs.randn([3, 9], { dtype: "float64", requiresGrad: true });
  const fn = (t: gs.Tensor) => gs.nn.functional.dropout(t, 0.35, true, new gs.Generator(3));
  assert.equal(gs.autograd.gradcheck(fn, [x]), true);
});

test("p = 0, p = 1, eval mode and bad arguments behave as before", () => {
  const x = gs.randn([10]);
  assert.equal(gs.nn.functional.dropout(x, 0, true), x);
  assert.equal(gs.nn.functional.dropout(x, 0.5, false), x);
  assert.deepEqual(gs.nn.functional.dropout(gs.ones([3]), 1, true).tolist(), [0, 0, 0]);
  assert.deepEqual(gs.nn.functional.dropout(gs.ones([0, 3]), 0.5, true).shape, [0, 3]);
  assert.throws(
    () => gs.nn.functional.dropout(x, 1.5),
    /^RangeError: dropout: p must be in \[0, 1\], got 1.5$/,
  );
  assert.throws(() => gs.nn.functional.dropout(x, -0.1), /dropout: p must be in \[0, 1\], got -0.1/);
  assert.throws(
    () => gs.nn.functional.dropout(gs.ones([3], { dtype: "int32" }), 0.5),
    /dropout: expects a floating-point tensor, got int32/,
  );
});
