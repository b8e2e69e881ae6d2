/**
 * The native backend's arena (native/src/host_arena.cc, backend/native-host-storage.ts): a block comes
 * back for reuse once V8 has collected every view of it (typed array, subarray, Buffer, a copy
 * transferred elsewhere), never before; dropped blocks are reused in a synchronous loop, held memory
 * stays under the budget, `alloc` (never the arena's) returns zeros after blocks were reused, and `release` gives a block back once.
 * Skips without the addon.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { loadNative, nativeArenaStats } from "../src/backend/native.js";
import type { Backend, Storage } from "../src/backend/types.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const loaded = loadNative();
const be: Backend | null = "backend" in loaded ? loaded.backend : null;
const skip =
  be === null || nativeArenaStats() === null ? "the native addon (with its arena) is not built" : false;

const N = 1 << 18; // 1 MiB of float32: served by the arena

/** Allocates `count` arrays of N floats from the arena, fills each with `value`, and drops them. */
function churn(count: number, value: number): void {
  for (let i = 0; i < count; i++) be!.allocUninit!("float32", N).fill(value);
}

/** Collects twice (the second run finds what the first one's sweeping left) and churns, so that collected blocks are reclaimed and handed out again. */
function collectAndReuse(value: number): void {
  gc();
  gc();
  churn(64, value);
}

/** Three rounds of collectAndReuse, checking that blocks did come back (else a test proves nothing). */
function reuseCollectedBlocks(value: number): void {
  const before = nativeArenaStats()!.returned;
  for (let round = 0; round < 3; round++) collectAndReuse(value);
  assert.ok(nativeArenaStats()!.returned > before, "no block came back: the test would prove nothing");
}

test("a block whose typed array died but a view lives is not handed out again", { skip }, () => {
  let a: Float32Array | null = be!.allocUninit!("float32", N) as Float32Array;
  a.fill(1.5);
  const sub = a.subarray(100, 200);
  const bytes = Buffer.from(a.buffer, 4 * 1000, 400);
  a = null;
  reuseCollectedBlocks(-7);
  assert.ok(
    sub.every((v) => v === 1.5),
    "a subarray's block was handed out while the subarray lived",
  );
  assert.ok(
    new Float32Array(bytes.buffer, bytes.byteOffset, 100).every((v) => v === 1.5),
    "a Buffer's block was handed out while the Buffer lived",
  );
});

/** An arena block filled with `value`, transferred away; the original typed array and buffer die here. */
function transferredBlock(value: number): ArrayBuffer {
  const a = be!.allocUninit!("float32", N) as Float32Array;
  a.fill(value);
  const buffer = a.buffer as ArrayBuffer;
  const moved = structuredClone(buffer, { transfer: [buffer] });
  assert.equal(a.length, 0, "the original was detached");
  return moved;
}

test("a buffer transferred elsewhere keeps its block until that copy dies too", { skip }, () => {
  const moved = transferredBlock(2.5);
  reuseCollectedBlocks(-9);
  assert.ok(
    new Float32Array(moved).every((v) => v === 2.5),
    "a transferred block was handed out again",
  );
});

test(
  "blocks dropped in a synchronous loop are reused and held memory stays under the budget",
  { skip },
  () => {
    const before = nativeArenaStats()!;
    const rss = process.memoryUsage().rss;
    let kept: Storage[] = [];
    for (let i = 0; i < 3000; i++) {
      const big = be!.allocUninit!("float32", 1 << 18); // 1 MiB: 3 GiB in all
      big[0] = i;
      kept.push(big);
      if (kept.length === 8) kept = []; // a step's activations, dropped together
      const s = nativeArenaStats()!;
      assert.ok(
        s.liveBytes + s.freeBytes <= s.budgetBytes,
        `the arena holds ${s.liveBytes + s.freeBytes} bytes`,
      );
    }
    const after = nativeArenaStats()!;
    assert.ok(after.reused - before.reused > 1000, `only ${after.reused - before.reused} blocks were reused`);
    const grownMiB = (process.memoryUsage().rss - rss) / 2 ** 20;
    assert.ok(grownMiB < 600, `resident memory grew by ${grownMiB.toFixed(0)} MiB`);
  },
);

test(
  "alloc returns zeros after arena blocks were reused; allocUninit of a small or empty array still works",
  { skip },
  () => {
    churn(64, 3);
    gc();
    gc();
    for (let i = 0; i < 64; i++) assert.ok(be!.alloc("float32", N).every((v) => v === 0));
    assert.equal(be!.allocUninit!("float64", 0).length, 0);
    assert.equal(be!.allocUninit!("bool", 7).length, 7);
    const ints = be!.alloc("int32", 5000);
    assert.ok(ints instanceof Int32Array && ints.length === 5000 && ints.every((v) => v === 0));
  },
);

test(
  "release gives a block back at once, and a second release of the same array does nothing",
  { skip },
  () => {
    const before = nativeArenaStats()!;
    const a = be!.allocUninit!("float32", N);
    be!.release!(a);
    const afterRelease = nativeArenaStats()!;
    assert.equal(afterRelease.releasedBytes - before.releasedBytes, 4 * N);
    const b = be!.allocUninit!("float32", N).fill(1); // the block a had: the free list is last-in first-out
    assert.equal(nativeArenaStats()!.reused - afterRelease.reused, 1);
    be!.release!(a); // stale: b holds that block now
    assert.equal(nativeArenaStats()!.releasedBytes, afterRelease.releasedBytes);
    for (let i = 0; i < 8; i++) be!.allocUninit!("float32", N).fill(-1);
    assert.ok(
      b.every((v) => v === 1),
      "a block was handed out twice",
    );
  },
);
