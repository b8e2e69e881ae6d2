// The CPU pool takes back the buffers of collected arrays (a FinalizationRegistry, host-pool.ts):
// nothing that can still be read is handed out again, and what the pool and the registry keep is bounded.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import * as gs from "../src/index.js";
import { Tensor } from "../src/tensor/tensor.js";
import {
  PROBE_BYTES,
  POOL_LIMIT_BYTES,
  TRACK_LIMIT_BYTES,
  pooledHostBytes,
  trackedHostBytes,
} from "../src/backend/host-pool.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
/** Collects what is unreachable and lets the registry's callbacks run (they are tasks of their own). */
async function collect(): Promise<void> {
  for (let i = 0; i < 2; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

/** Takes every pooled buffer of `shape`'s size (and some new ones) and writes over them. */
function scribble(shape: number[]): void {
  const taken: Tensor[] = [];
  for (let i = 0; i < 64; i++) taken.push(Tensor.uninitialized(shape, "float32"));
  for (const t of taken) t.storage.fill(-1);
}

// The wasm backend keeps its tensors in its own memory, with a registry of its own (wasm/heap.ts).
const skip = gs.backend().name === "wasm" ? "the wasm backend does not use the host pool" : false;

/** A small MLP step that allocates forward activations of fixed sizes. */
function mlpStep(w1: gs.Tensor, w2: gs.Tensor, x: gs.Tensor): gs.Tensor {
  const logits = x.matmul(w1).relu().matmul(w2);
  logits.logSoftmax(-1).mean().neg().backward();
  return logits;
}

test("a collected tensor's buffer is handed out again for the same size", { skip }, async () => {
  await collect();
  // Holding only the ArrayBuffer (what the pool's rule forbids) lets the test see the reuse.
  let t: Tensor | null = Tensor.uninitialized([64, 1024], "float32");
  const buffer = t.storage.buffer;
  t = null;
  await collect();
  assert.ok(pooledHostBytes() >= 64 * 1024 * 4, "the collected array's buffer did not come back");
  const reused = Array.from({ length: 4 }, () => Tensor.uninitialized([64, 1024], "float32"));
  assert.ok(
    reused.some((r) => r.storage.buffer === buffer),
    "no later allocation of that size reused it",
  );
  // An int32 tensor of the same byte length may take it too; alloc clears what it takes.
  const zeros = Array.from({ length: 4 }, () => gs.zeros([64, 1024], { dtype: "int32" }));
  for (const z of zeros) assert.ok(z.toArray().every((v) => v === 0));
});

test("a forward output held after backward keeps its values over many later steps", { skip }, async () => {
  gs.manualSeed(3);
  const w1 = gs.randn([32, 256]).requiresGrad_();
  const w2 = gs.randn([256, 48]).requiresGrad_();
  const held = mlpStep(w1, w2, gs.randn([128, 32]));
  const view = held.T; // a view holds the same storage object
  const values = held.toArray();
  const viewValues = view.contiguous().toArray();
  for (let i = 0; i < 20; i++) {
    mlpStep(w1, w2, gs.randn([128, 32]));
    await collect(); // the steps' activations come back to the pool and are taken again
    scribble([128, 48]);
  }
  assert.deepEqual(held.toArray(), values);
  assert.deepEqual(view.contiguous().toArray(), viewValues);
});

test("a view alone keeps a buffer from being reused", { skip }, async () => {
  gs.manualSeed(4);
  let base: gs.Tensor | null = gs.randn([96, 96]).mul(2);
  const row = base.select(0, 5); // the base tensor itself is dropped below
  const expected = row.toArray();
  base = null;
  for (let i = 0; i < 10; i++) {
    gs.randn([96, 96]).mul(2);
    await collect();
    scribble([96, 96]);
  }
  assert.deepEqual(row.toArray(), expected);
});

test("dataSync() and tolist() of a dropped tensor stay intact", { skip }, async () => {
  gs.manualSeed(5);
  let t: gs.Tensor | null = gs.randn([50, 40]).exp();
  const data = t.dataSync();
  const list = t.tolist();
  const copy = Array.from(data);
  t = null;
  for (let i = 0; i < 5; i++) {
    await collect();
    scribble([50, 40]);
  }
  assert.deepEqual(Array.from(data), copy);
  assert.deepEqual((list as number[][]).flat(), Array.from(Float32Array.from(copy)));
});

test("pooled and tracked bytes stay bounded when sizes vary, yielding or not", { skip }, async () => {
  // Growing sequence lengths (sampling, a curriculum): every step a new size, none reused.
  for (let T = 1; T <= 300; T++) {
    gs.zeros([T, 4096]).add(1);
    if (T % 20 === 0) await collect();
    assert.ok(trackedHostBytes() <= TRACK_LIMIT_BYTES, `tracked ${trackedHostBytes()} bytes`);
    assert.ok(pooledHostBytes() <= POOL_LIMIT_BYTES, `pooled ${pooledHostBytes()} bytes`);
  }
  // A loop that never yields gets nothing back: the registry keeps at most its limit alive.
  for (let i = 0; i < 200; i++) gs.zeros([1024, 1024]).add(1);
  assert.ok(trackedHostBytes() <= TRACK_LIMIT_BYTES, `tracked ${trackedHostBytes()} bytes`);
  await collect();
  assert.ok(trackedHostBytes() < TRACK_LIMIT_BYTES / 2, "the collected arrays were not counted back");
});

test("a buffer transferred away is not taken back", { skip }, async () => {
  await collect();
  const before = pooledHostBytes();
  let t: Tensor | null = Tensor.uninitialized([777, 13], "float32");
  structuredClone(t.storage.buffer, { transfer: [t.storage.buffer as ArrayBuffer] }); // detaches it, as postMessage does
  t = null;
  await collect();
  assert.equal(pooledHostBytes(), before);
  const fresh = Tensor.uninitialized([777, 13], "float32");
  assert.equal(fresh.storage.length, 777 * 13);
});

test("a program that never yields keeps at most the probe's bytes tracked", { skip }, () => {
  // A fresh process: no registry callback has run, as in a synchronous training script.
  const here = new URL("../src/index.js", import.meta.url).href;
  const pool = new URL("../src/backend/host-pool.js", import.meta.url).href;
  const script = `
    const gs = await import(${JSON.stringify(here)});
    const { trackedHostBytes } = await import(${JSON.stringify(pool)});
    let most = 0;
    for (let i = 0; i < 300; i++) {
      gs.randn([256, 1024]).relu().mul(2);
      most = Math.max(most, trackedHostBytes());
    }
    console.log(most);`;
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
    encoding: "utf8",
    env: { ...process.env },
  });
  const most = Number(out.trim().split("\n").pop());
  assert.ok(most > 0 && most <= PROBE_BYTES, `tracked ${most} bytes`);
});
