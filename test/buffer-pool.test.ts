// The CPU buffer pool: backward gives its gradient temporaries back, and nothing that can still be
// read (a .grad, a retained grad, an output) is ever handed out again.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as gs from "../src/index.js";
import { pooledHostBytes, releaseHost, takePooled } from "../src/backend/host-pool.js";
import { loadedWasm } from "../src/backend/wasm/load.js";
import { nativeArenaStats } from "../src/backend/native.js";

/** Bytes given back so far: to the host pool (and the native backend's arena), or to the wasm backend's allocator. */
const releasedBytes = (): number =>
  gs.backend().name === "wasm"
    ? loadedWasm()!.heap.releasedBytes
    : pooledHostBytes() + (gs.backend().name === "cpu-native" ? (nativeArenaStats()?.releasedBytes ?? 0) : 0);

/** A step that allocates many gradient temporaries of the same sizes as `x`'s. */
function lossOf(x: gs.Tensor, w: gs.Tensor): gs.Tensor {
  return x.matmul(w).relu().mul(x).matmul(w.mT).tanh().sum();
}

test("backward gives its temporaries to the pool; .grad keeps its own storage", () => {
  gs.manualSeed(1);
  const x = gs.randn([48, 48]).requiresGrad_();
  const w = gs.randn([48, 48]).requiresGrad_();
  const before = releasedBytes();
  lossOf(x, w).backward();
  assert.ok(releasedBytes() > before, "backward released no temporaries");
  const gx = x.grad!.toArray().slice();
  const gw = w.grad!.toArray().slice();
  // More steps on other tensors of the same sizes take the pooled buffers and overwrite them.
  for (let i = 0; i < 3; i++) {
    const y = gs.randn([48, 48]).requiresGrad_();
    const v = gs.randn([48, 48]).requiresGrad_();
    lossOf(y, v).backward();
  }
  assert.deepEqual(x.grad!.toArray(), gx);
  assert.deepEqual(w.grad!.toArray(), gw);
});

test("a gradient that reaches two leaves gives each a storage of its own", () => {
  const a = gs.ones([100]).requiresGrad_();
  const b = gs.ones([100]).requiresGrad_();
  a.add(b).mul(3).sum().backward(); // add sends the same gradient tensor to a and b
  assert.notEqual(a.grad!.storage, b.grad!.storage);
  a.grad!.mul_(2);
  assert.deepEqual(b.grad!.tolist(), new Array(100).fill(3));
  assert.deepEqual(a.grad!.tolist(), new Array(100).fill(6));
});

test("retained grads and forward outputs survive later steps", () => {
  gs.manualSeed(2);
  const x = gs.randn([32, 32]).requiresGrad_();
  const h = x.matmul(x).retainGrad();
  const out = h.sigmoid();
  out.sum().backward();
  const gh = h.grad!.toArray().slice();
  const values = out.toArray().slice();
  for (let i = 0; i < 3; i++) lossOf(gs.randn([32, 32]).requiresGrad_(), gs.randn([32, 32])).backward();
  assert.deepEqual(h.grad!.toArray(), gh);
  assert.deepEqual(out.toArray(), values);
});

test("the host pool keeps whole arrays once and hands each out once", () => {
  const buf = new Float32Array(1000);
  releaseHost(buf);
  releaseHost(buf); // a second release must not make it available twice
  releaseHost(new Float32Array(2000).subarray(0, 1000)); // a range of another array is not kept
  const first = takePooled("float32", 1000);
  assert.equal(first, buf);
  assert.notEqual(takePooled("float32", 1000), buf);
});
