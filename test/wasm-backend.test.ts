/**
 * What is particular to the wasm backend (the kernels themselves run the whole conformance suite in
 * the wasm pass of `npm test`): it implements every kernel of the native table, its storages are
 * typed arrays over its memory that kernels use in place, they stay valid when the memory grows,
 * released blocks are reused, arrays from elsewhere are copied in and out around a call (aliases
 * kept), and an allocation past the 4 GiB wasm32 limit is a clear error.
 */
import { test } from "node:test";
import assert from "node:assert/strict";

import { backend, setBackend } from "../src/backend/index.js";
import { NATIVE_KERNELS } from "../src/backend/native-kernels.js";
import type { Storage } from "../src/backend/types.js";
import { loadWasmSync } from "../src/backend/wasm/load.js";
import { Tensor } from "../src/tensor/tensor.js";

const { backend: wasm, heap } = loadWasmSync();

function random(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.sin(seed * 7919 + i * 12.9898) * 2;
  return a;
}

function assertClose(a: ArrayLike<number>, b: ArrayLike<number>, tol: number): void {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++)
    assert.ok(Math.abs(a[i] - b[i]) <= tol * (1 + Math.abs(b[i])), `element ${i}: ${a[i]} vs ${b[i]}`);
}

test("the wasm backend runs every kernel of the native table itself", () => {
  assert.deepEqual([...wasm.nativeKernels].sort(), Object.keys(NATIVE_KERNELS).sort());
  assert.equal(wasm.name, "wasm");
  assert.equal(wasm.isa, "simd128");
});

test("tensors live in wasm memory and a matmul writes its output there in place", () => {
  const before = backend().name as "js" | "native" | "wasm";
  const [m, k, n] = [37, 53, 29];
  const x = new Tensor(random(m * k, 1), [m, k]);
  const y = new Tensor(random(k * n, 2), [k, n]);
  try {
    setBackend("wasm");
    const [xw, yw] = [x.clone(), y.clone()];
    const out = xw.matmul(yw);
    for (const t of [xw, yw, out]) assert.ok(heap.owns(t.storage), "in wasm memory");
    setBackend("js");
    assertClose(out.storage, x.matmul(y).storage, 1e-5);
  } finally {
    setBackend(before === "wasm" ? "wasm" : "js");
  }
});

test("tensors made before the memory grew keep their values, and kernels still use them", () => {
  const first = wasm.alloc("float32", 1000) as Float32Array;
  first.set(random(1000, 3));
  const before = Float32Array.from(first);
  const grown: Storage[] = [];
  // 16 MiB blocks past the initial memory: it grows several times.
  for (let i = 0; i < 6; i++) grown.push(wasm.alloc("float32", 4 << 20));
  assert.deepEqual(Float32Array.from(first), before);
  const out = wasm.alloc("float32", 1000);
  const view = (data: Storage) => ({ data, offset: 0, strides: [1] });
  wasm.binary("add", view(first), view(grown[5].subarray(0, 1000)), out, [1000]);
  assertClose(out, before, 0);
  for (const g of grown) wasm.release!(g);
});

test("a released block is handed out again for the next allocation of its size", () => {
  const a = wasm.alloc("float64", 12345);
  const where = a.byteOffset;
  wasm.release!(a);
  wasm.release!(a); // a second release is ignored
  const b = wasm.allocUninit!("float64", 12345);
  const c = wasm.alloc("float64", 12345);
  assert.equal(b.byteOffset, where);
  assert.notEqual(c.byteOffset, where);
  assert.ok(
    c.every((v) => v === 0),
    "alloc clears a reused block",
  );
});

test("arrays outside wasm memory are copied in and out around a call, aliases kept (in place)", () => {
  const host = random(64, 4);
  const want = host.map((v) => v + v);
  const view = { data: host, offset: 0, strides: [1] };
  wasm.binary("add", view, view, host, [64]);
  assertClose(host, want, 0);
  assert.ok(!heap.owns(host));
});

test("an allocation past the 4 GiB wasm32 memory is an error naming its size and the limit", () => {
  assert.throws(
    () => wasm.alloc("bool", 2 ** 32 - 16),
    /cannot allocate 4294967280 bool elements \(4\.00 GiB\).*4 GiB \(wasm32\)/,
  );
  assert.throws(() => wasm.alloc("float32", 2 ** 31), /cannot allocate 2147483648 float32 elements/);
  // and the backend still works afterwards
  assert.equal(wasm.alloc("float32", 4).length, 4);
});
