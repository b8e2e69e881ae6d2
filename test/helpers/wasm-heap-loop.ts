/**
 * A child process of test/wasm-heap-*.test.ts (run with --expose-gc, only to make the truly-live case
 * happen on cue): an MLP trained on the wasm backend in a loop that never yields, then in one that
 * awaits a task per step, then tensors kept past the soft limit. Prints one JSON line of what it saw.
 * GRADSTACK_WASM_SHARED picks the threaded (1) or single-thread (0) module.
 */
import * as gs from "../../src/index.js";
import { loadWasmSync } from "../../src/backend/wasm/load.js";
import { paramHash } from "./param-hash.js";

const { heap } = loadWasmSync();
gs.setBackend("wasm");
const STEPS = Number(process.env.LOOP_STEPS ?? 150);
const SOFT_LIMIT = 24 * 2 ** 20;

/** The training of bench/mlp.ts, smaller; `between` runs after each step. */
async function train(
  between: () => Promise<void> | void,
): Promise<{ hash: number; maxLive: number; loss: number }> {
  gs.manualSeed(0);
  const model = new gs.nn.Sequential(new gs.nn.Linear(256, 384), new gs.nn.ReLU(), new gs.nn.Linear(384, 10));
  const opt = new gs.optim.Adam(model.parameters(), { lr: 1e-3 });
  const batches = Array.from({ length: 4 }, () => ({ x: gs.randn([128, 256]), y: gs.randint(0, 10, [128]) }));
  let maxLive = 0;
  let loss = NaN;
  for (let i = 0; i < STEPS; i++) {
    const { x, y } = batches[i % batches.length];
    const l = gs.nn.functional.crossEntropy(model.forward(x) as gs.Tensor, y);
    opt.zeroGrad();
    l.backward();
    opt.step();
    loss = l.item();
    maxLive = Math.max(maxLive, heap.liveBytes);
    await between();
  }
  return { hash: paramHash(model), maxLive, loss };
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
const gc = (globalThis as { gc?: () => void }).gc!;

// A never-yielding loop (no await between steps: `between` returns nothing, so there is no microtask either).
heap.softLimit = SOFT_LIMIT;
const outsideBefore = heap.outsideCount;
const rss0 = process.memoryUsage().rss;
const syncRun = await train(() => undefined);
const syncRss = process.memoryUsage().rss - rss0;
const syncOutside = heap.outsideCount - outsideBefore;

// The same training with a task turn after each step, and a full collection before it (V8 runs
// finalization callbacks only after one, whenever its heuristics choose): blocks are freed and reused.
gc();
await turn();
const awaitOutsideBefore = heap.outsideCount;
const collectedBefore = heap.collected;
const awaitRun = await train(() => {
  gc();
  return turn();
});
const awaitOutside = heap.outsideCount - awaitOutsideBefore;
const awaitCollected = heap.collected - collectedBefore;

// Tensors kept across the limit keep their values, in wasm memory or outside it.
gc();
await turn();
const kept: { t: gs.Tensor; want: number[] }[] = [];
for (let i = 0; i < 40; i++) {
  const t = gs.arange(0, 65536).mul(i + 1); // 256 KiB each: the last ones lie past the limit
  kept.push({ t, want: [0, (i + 1) * 12345, (i + 1) * 65535] });
  for (let j = 0; j < 8; j++) gs.randn([256, 256]).matmul(gs.randn([256, 256])); // garbage in between
}
const keptOk = kept.every(({ t, want }) => {
  const d = t.storage as Float32Array;
  return d[0] === want[0] && d[12345] === want[1] && d[65535] === want[2];
});
const sumsOk = kept.every(({ t }, i) => {
  const d = t.add(t).storage as Float32Array;
  return d[65535] === 2 * (i + 1) * 65535 && d[1] === 2 * (i + 1);
});
const keptInside = kept.filter(({ t }) => heap.owns(t.storage)).length;

// Truly live: once callbacks have run and the blocks past the limit are still in use, the limit rises.
const limitBefore = heap.softLimit;
gc();
await turn();
gs.zeros([256]); // garbage in wasm memory, for a callback to free
const hold: gs.Tensor[] = [];
// 4 MiB each, up to the first that lands outside (past the limit, until callbacks are seen)
while (hold.length === 0 || heap.owns(hold[hold.length - 1].storage)) hold.push(gs.zeros([1 << 20]));
gc();
await turn();
await turn();
const risen = gs.zeros([1 << 20]);
const limitRose = heap.softLimit > limitBefore && heap.owns(risen.storage);

let bigError = "";
try {
  heap.alloc("bool", 2 ** 32 - 16);
} catch (e) {
  bigError = (e as Error).message;
}

console.log(
  JSON.stringify({
    softLimit: SOFT_LIMIT,
    sync: { ...syncRun, rssGrowth: syncRss, outside: syncOutside },
    await: { ...awaitRun, outside: awaitOutside, collected: awaitCollected },
    keptOk,
    sumsOk,
    keptInside,
    kept: kept.length,
    limitRose,
    bigError,
  }),
);
process.exit(0);
