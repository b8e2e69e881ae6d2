/**
 * Arrays outside wasm memory around a kernel call (backend/wasm/staging.ts): copied in, and copied
 * back only where the kernel writes (backend/wasm/written.ts). A GPT training step with every tensor
 * outside wasm memory gives the parameters of the same step inside it, bit for bit; the table names
 * only storage positions that exist; clearing through the module's memory.fill gives zeros; and the
 * memory's growth nudges the garbage collector (backend/wasm/heap.ts).
 */
import { test } from "node:test";
import assert from "node:assert/strict";

import * as gs from "../src/index.js";
import { backend, setBackend } from "../src/backend/index.js";
import { NATIVE_KERNELS, takesStorageList, type ArgKind } from "../src/backend/native-kernels.js";
import type { KernelName, Storage } from "../src/backend/types.js";
import { loadWasmSync } from "../src/backend/wasm/load.js";
import { Staging } from "../src/backend/wasm/staging.js";
import { WRITTEN_STORAGES } from "../src/backend/wasm/written.js";
import { paramHash } from "./helpers/param-hash.js";

const { backend: wasm, heap } = loadWasmSync();

test("a staged buffer goes back only when the kernel may write it, aliases included", () => {
  const input = new Float32Array([1, 2, 3, 4]);
  const output = new Float32Array(4);
  const shared = new Float32Array(8); // an input and an output over one buffer
  const staging = new Staging(heap);
  const at = {
    input: staging.pointer(input, false),
    output: staging.pointer(output, true),
    sharedIn: staging.pointer(shared.subarray(0, 4), false),
    sharedOut: staging.pointer(shared.subarray(4), true),
  };
  assert.ok(staging.ok);
  assert.equal(at.sharedOut - at.sharedIn, 16, "one copy of the shared buffer");
  assert.deepEqual([...new Float32Array(heap.bytesAt(at.input, 16).slice().buffer)], [1, 2, 3, 4]);
  for (const ptr of Object.values(at)) new Float32Array(heap.bytesAt(ptr, 16).buffer, ptr, 4).fill(9);
  staging.finish();
  assert.deepEqual([...input], [1, 2, 3, 4], "an input's copy is not copied back");
  assert.deepEqual([...output], [9, 9, 9, 9]);
  assert.deepEqual([...shared], [9, 9, 9, 9, 9, 9, 9, 9], "a buffer that holds an output goes back whole");
});

/** Storages a kernel's module call gets, or -1 where lists make the count vary. */
function storageCount(kinds: readonly ArgKind[]): number {
  if (takesStorageList(kinds)) return -1;
  let n = 0;
  for (const k of kinds)
    if (k === "array" || k === "view") n++;
    else if (typeof k === "object" && "fields" in k) n += storageCount(k.fields.map(([, f]) => f));
  return n;
}

test("the written-storage table names existing storages of kernels with a fixed count", () => {
  for (const [name, written] of Object.entries(WRITTEN_STORAGES) as [KernelName, readonly number[]][]) {
    const kinds = NATIVE_KERNELS[name];
    assert.ok(kinds !== undefined, `${name} is a native kernel`);
    const count = storageCount(kinds);
    assert.ok(count > 0, `${name} has a fixed number of storages`);
    for (const i of written) assert.ok(i >= 0 && i < count, `${name}: storage ${i} of ${count}`);
  }
});

/** Two AdamW steps of a small GPT (attention, layerNorm, GELU, cross-entropy, embeddings). */
function gptTraining(): number {
  gs.manualSeed(3);
  const model = new gs.models.GPT({
    nLayer: 2,
    nHead: 2,
    nEmbd: 32,
    blockSize: 16,
    vocabSize: 29,
    dropout: 0,
    bias: true,
  });
  const opt = model.configureOptimizers({ weightDecay: 0.1, lr: 1e-2, betas: [0.9, 0.99] });
  for (let s = 0; s < 2; s++) {
    const x = gs.randint(0, 29, [3, 16]);
    const y = gs.randint(0, 29, [3, 16]);
    const { loss } = model.forward(x, y);
    opt.zeroGrad();
    loss!.backward();
    opt.step();
  }
  return paramHash(model);
}

test("a GPT step with every tensor outside wasm memory (staged) ends with the same parameters", () => {
  const before = backend().name as "js" | "native" | "wasm";
  const softLimit = heap.softLimit;
  try {
    setBackend("wasm");
    const inside = gptTraining();
    const outsideBefore = heap.outsideCount;
    heap.softLimit = 0; // every new tensor past the limit: an ordinary array, staged around each call
    const staged = gptTraining();
    assert.ok(heap.outsideCount - outsideBefore > 100, "tensors lived outside wasm memory");
    assert.equal(staged, inside);
  } finally {
    heap.softLimit = softLimit;
    setBackend(before === "wasm" ? "wasm" : "js");
  }
});

test("alloc and fill(0) clear through the module; other fills as a typed array's", () => {
  const a = wasm.allocUninit!("float32", 1000) as Float32Array;
  a.fill(-1);
  wasm.release!(a);
  const b = wasm.alloc("float32", 1000);
  assert.equal(b.byteOffset, a.byteOffset, "the same block, reused");
  assert.ok(b.every((v) => Object.is(v, 0)));
  b.fill(5);
  wasm.fill(b, 0, 10, 990);
  assert.deepEqual([...b.subarray(8, 12)], [5, 5, 0, 0]);
  assert.deepEqual([...b.subarray(988, 992)], [0, 0, 5, 5]);
  assert.equal(
    b.subarray(10, 990).every((v) => Object.is(v, 0)),
    true,
  );
  wasm.fill(b, -0, 0, 4);
  assert.ok(Object.is(b[0], -0), "-0 keeps its sign");
  wasm.fill(b, 0, -2, 1000); // negative indices: the typed array's own fill
  assert.deepEqual([...b.subarray(996)], [5, 5, 0, 0]);
  wasm.release!(b);
});

test("every 32 MiB the memory grows nudges the collector, while finalization callbacks run", () => {
  const size = (8 << 20) / 4 + 4093; // 8 MiB blocks of a size no earlier test freed: new memory each
  const blocks: Storage[] = [];
  const grow = (mib: number) => {
    for (let i = 0; i < mib / 8; i++) blocks.push(wasm.allocUninit!("float32", size));
  };
  grow(40); // past any growth left from earlier tests: the next 32 MiB start a fresh count
  heap.collected++; // as if callbacks had freed a block since the last nudge (a loop that yields)
  let before = heap.nudges;
  grow(72);
  assert.equal(heap.nudges - before, 1, "one nudge, then none until callbacks run again");
  heap.collected++;
  before = heap.nudges;
  grow(40);
  assert.equal(heap.nudges - before, 1, "callbacks ran: the next 32 MiB nudge again");
  for (const b of blocks.splice(0)) wasm.release!(b);
  before = heap.nudges;
  heap.collected++;
  grow(40);
  assert.equal(heap.nudges, before, "reused blocks do not grow the memory");
  for (const b of blocks) wasm.release!(b);
});
