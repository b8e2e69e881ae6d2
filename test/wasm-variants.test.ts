/**
 * The wasm module's variants (variants.ts), each loaded in a child process as `gs.wasm.init` or
 * GRADSTACK_WASM_RELAXED / GRADSTACK_WASM_SHARED choose it: the whole kernel conformance file
 * (native-backend.test.ts, every kernel against cpu-js) on the relaxed-SIMD and the single-thread
 * variants (the default one runs it in the wasm pass itself); the single-thread module over its fixed
 * plain memory, with arrays that do not fit kept outside it; and a product on every variant: the
 * memory kind never changes a bit, relaxed SIMD differs from SIMD128 by rounding only (within the
 * error bound of a k-term dot product, k·2⁻²⁴·Σ|a||b|).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

import { WASM_FILES, type WasmFile } from "../src/backend/wasm/variants.js";

const wasmPass = process.env.GRADSTACK_BACKEND === "wasm";
const indexUrl = new URL("../src/index.js", import.meta.url).href;

/** GRADSTACK_WASM_* settings that make the package's loader pick each variant in Node. */
const ENV_OF: Record<WasmFile, Record<string, string>> = {
  "gradstack.wasm": { GRADSTACK_WASM_RELAXED: "0", GRADSTACK_WASM_SHARED: "1" },
  "gradstack-relaxed.wasm": { GRADSTACK_WASM_RELAXED: "1", GRADSTACK_WASM_SHARED: "1" },
  "gradstack-single.wasm": { GRADSTACK_WASM_RELAXED: "0", GRADSTACK_WASM_SHARED: "0" },
  "gradstack-relaxed-single.wasm": { GRADSTACK_WASM_RELAXED: "1", GRADSTACK_WASM_SHARED: "0" },
};

function node(args: string[], env: Record<string, string>) {
  return spawnSync(process.execPath, args, {
    encoding: "utf8",
    env: { ...process.env, GRADSTACK_BACKEND: "wasm", GRADSTACK_WASM_THREADS: "2", ...env },
    timeout: 600_000,
  });
}

for (const file of WASM_FILES.filter((f) => f !== "gradstack.wasm")) {
  test(`every kernel of ${file} agrees with cpu-js (native-backend.test.ts on it)`, (t) => {
    if (!wasmPass) return t.skip("runs in the wasm pass of npm test");
    const conformance = fileURLToPath(new URL("./native-backend.test.js", import.meta.url));
    const r = node(["--test", "--test-reporter=dot", conformance], ENV_OF[file]);
    assert.equal(r.status, 0, `${file}:\n${r.stdout.slice(-4000)}${r.stderr.slice(-2000)}`);
  });
}

/** A matmul on one variant, chosen by `gs.wasm.init`'s options: its bits and what the module says. */
const PRODUCT = `
  import * as gs from ${JSON.stringify(indexUrl)};
  const [sharedMemory, relaxedSimd] = JSON.parse(process.argv[1]);
  const info = await gs.wasm.init({ sharedMemory, relaxedSimd, threads: 2 });
  let seed = 3;
  const fill = (n) => Float32Array.from({ length: n }, () => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5));
  const [m, k, n] = [67, 301, 45];
  const a = fill(m * k), b = fill(k * n);
  const out = gs.tensor(a, { shape: [m, k] }).matmul(gs.tensor(b, { shape: [k, n] })).toArray();
  console.log(JSON.stringify({ info, m, k, n, a: [...a], b: [...b], out: [...out] }));
`;

interface Product {
  info: { isa: string; threads: number; sharedMemory: boolean; gemmKernel: string };
  m: number;
  k: number;
  n: number;
  a: number[];
  b: number[];
  out: number[];
}

function product(sharedMemory: boolean, relaxedSimd: boolean): Product {
  const r = node(["--input-type=module", "-e", PRODUCT, JSON.stringify([sharedMemory, relaxedSimd])], {});
  assert.equal(r.status, 0, r.stdout + r.stderr);
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as Product;
}

test("gs.wasm.init picks each variant by its options; relaxed SIMD changes rounding only, the memory kind nothing", () => {
  const plain = product(true, false);
  const single = product(false, false);
  const relaxed = product(true, true);
  const relaxedSingle = product(false, true);
  assert.deepEqual(
    [plain, single, relaxed, relaxedSingle].map((p) => [p.info.isa, p.info.sharedMemory, p.info.threads]),
    [
      ["simd128", true, 2],
      ["simd128", false, 1],
      ["relaxed-simd", true, 2],
      ["relaxed-simd", false, 1],
    ],
  );
  assert.deepEqual(single.out, plain.out, "one thread over plain memory: the same bits");
  assert.deepEqual(relaxedSingle.out, relaxed.out);
  const { m, k, n, a, b } = plain;
  let differs = 0;
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let magnitude = 0;
      for (let p = 0; p < k; p++) magnitude += Math.abs(a[i * k + p] * b[p * n + j]);
      const bound = k * 2 ** -24 * magnitude;
      const [x, y] = [plain.out[i * n + j], relaxed.out[i * n + j]];
      assert.ok(Math.abs(x - y) <= bound, `(${i}, ${j}): ${x} vs ${y}, bound ${bound}`);
      if (x !== y) differs++;
    }
  // Where the CPU has FMA (every x86-64 this runs on since Haswell) the fused rounding shows.
  assert.ok(differs > 0, "the relaxed module fused its multiply-adds");
});

const SINGLE_MEMORY = `
  import * as gs from ${JSON.stringify(indexUrl)};
  const { loadedWasm } = await import(${JSON.stringify(new URL("../src/backend/wasm/load.js", import.meta.url).href)});
  const { cpuJs } = await import(${JSON.stringify(new URL("../src/backend/cpu-js.js", import.meta.url).href)});
  await gs.wasm.init({ sharedMemory: false });
  const { backend: be, heap, wasm } = loadedWasm();
  const bytesBefore = wasm.memory.buffer.byteLength;
  // Uninitialised blocks of 64 MiB (no page touched) until the fixed memory is full.
  const held = [];
  let outside = null;
  for (let i = 0; i < 64 && outside === null; i++) {
    const arr = be.allocUninit("float32", 1 << 24);
    if (heap.owns(arr)) held.push(arr);
    else outside = arr;
  }
  const inside = held.length;
  // Room again: the array outside is copied into the freed blocks for each call, and back.
  for (const arr of held) be.release(arr);
  const [m, k, n] = [33, 40, 21];
  const fill = (arr, len) => { for (let i = 0; i < len; i++) arr[i] = Math.sin(i * 0.37); return arr; };
  const a = fill(outside, m * k), b = fill(be.alloc("float32", k * n), k * n);
  const out = be.alloc("float32", m * n), ref = new Float32Array(m * n);
  const p = { batch: 1, m, n, k, transA: false, transB: false, lda: k, ldb: n, aOffset: 0, bOffset: 0, aBatchStride: 0, bBatchStride: 0 };
  be.matmul(a, b, out, p);
  cpuJs.matmul(a, b, ref, p);
  let worst = 0;
  for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(out[i] - ref[i]) / (1 + Math.abs(ref[i])));
  console.log(JSON.stringify({
    inside, outsideOwned: outside !== null && heap.owns(outside), sameBuffer: wasm.memory.buffer.byteLength === bytesBefore,
    shared: wasm.shared, worst, inputsInside: heap.owns(b) && heap.owns(out),
  }));
`;

test("the single-thread module's memory never grows: arrays past it live outside and still compute", () => {
  const r = node(["--input-type=module", "-e", SINGLE_MEMORY], {});
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const got = JSON.parse(r.stdout.trim().split("\n").pop()!) as Record<string, number | boolean>;
  assert.equal(got.shared, false);
  assert.ok((got.inside as number) >= 1, "tensors live in the module's memory while it has room");
  assert.equal(got.outsideOwned, false, "once full, an array is made outside it");
  assert.equal(got.sameBuffer, true, "the memory did not grow (its ArrayBuffer would be detached)");
  assert.equal(got.inputsInside, true);
  assert.ok((got.worst as number) < 1e-5, `matmul with the outside array against cpu-js: ${got.worst}`);
});
