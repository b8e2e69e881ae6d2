/**
 * The wasm heap in a loop that never yields (V8 then runs no finalization callback, so no tensor's
 * block is freed): past the soft limit new tensors live outside wasm memory and the loop keeps
 * bounded memory with the same results, bit for bit, as a loop whose blocks are freed and reused;
 * tensors kept across the limit keep their values; truly live blocks raise the limit; and the 4 GiB
 * error still comes for what cannot fit. Threaded (shared memory) and single-thread modules, each in
 * a child process (test/helpers/wasm-heap-loop.ts; --expose-gc only to free blocks on cue).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";

const script = new URL("./helpers/wasm-heap-loop.js", import.meta.url);

interface Run {
  hash: number;
  maxLive: number;
  loss: number;
  outside: number;
}

interface Seen {
  softLimit: number;
  sync: Run & { rssGrowth: number };
  await: Run & { collected: number };
  keptOk: boolean;
  sumsOk: boolean;
  keptInside: number;
  kept: number;
  limitRose: boolean;
  bigError: string;
}

function run(shared: boolean): Seen {
  const r = spawnSync(process.execPath, ["--expose-gc", script.pathname], {
    encoding: "utf8",
    env: { ...process.env, GRADSTACK_WASM_SHARED: shared ? "1" : "0", GRADSTACK_WASM_THREADS: "2" },
    timeout: 240_000,
  });
  assert.equal(r.status, 0, `shared=${shared}: ${r.stdout}${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as Seen;
}

for (const shared of [true, false]) {
  test(`wasm heap (${shared ? "threads" : "single thread"}): a never-yielding loop keeps bounded memory and exact results`, () => {
    const s = run(shared);
    // 150 MLP steps leave about 3 MiB of garbage each: without the limit all of it stays in wasm memory.
    assert.ok(s.sync.maxLive <= s.softLimit, `live ${s.sync.maxLive} > limit ${s.softLimit}`);
    assert.ok(s.sync.outside > 0, "tensors past the limit live outside wasm memory");
    assert.ok(s.sync.rssGrowth < 256 * 2 ** 20, `rss grew ${s.sync.rssGrowth} bytes`);
    assert.ok(Number.isFinite(s.sync.loss) && s.sync.loss < 0.1, `loss ${s.sync.loss}`);
    // freed blocks are reused when the script yields: nothing outside, few bytes live, equal results
    assert.ok(s.await.collected > 0, "finalization callbacks freed blocks");
    assert.equal(s.await.outside, 0);
    assert.ok(s.await.maxLive < s.softLimit / 2, `awaiting loop live ${s.await.maxLive}`);
    assert.equal(s.sync.hash, s.await.hash, "staged kernels give the same parameters bit for bit");
    assert.equal(s.sync.loss, s.await.loss);
    // tensors kept across the limit, inside and outside wasm memory
    assert.ok(s.keptInside > 0 && s.keptInside < s.kept, `${s.keptInside} of ${s.kept} inside`);
    assert.ok(s.keptOk, "kept tensors hold their values");
    assert.ok(s.sumsOk, "kernels on kept tensors give exact results");
    assert.ok(s.limitRose, "blocks still live after callbacks ran raise the limit");
    if (shared)
      assert.match(s.bigError, /cannot allocate 4294967280 bool elements \(4\.00 GiB\).*4 GiB \(wasm32\)/);
  });
}
