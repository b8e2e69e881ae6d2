/**
 * The native thread pool (native/src/pool.cc) in child processes, each with its own pool size and
 * spin policy: kernels whose arithmetic does not depend on the thread count (matmul of every split,
 * fused attention, elementwise, reductions) give the same bits on 1, 3 and 8 threads (8 oversubscribes
 * this machine, which exercises the sleeping and late-waking paths), and GPT training steps give the
 * same bits whether idle workers spin or sleep at once (GRADSTACK_SPIN_US=0). Skips without the addon.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";

const indexUrl = new URL("../src/index.js", import.meta.url).href;

// Prints one JSON line: the backend, a hash of the kernel outputs and of a GPT model after 3 steps.
const script = `
import * as gs from ${JSON.stringify(indexUrl)};
const be = gs.backend();
const hash = (h, t) => {
  const b = new Uint8Array(t.toArray().slice().buffer);
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i], 16777619) >>> 0;
  return h;
};
gs.manualSeed(0);
let kernels = 2166136261;
for (const [a, b] of [[[300, 257], [257, 200]], [[5, 100, 70], [5, 70, 120]], [[768, 128], [128, 384]], [[3, 700], [700, 9]]])
  kernels = hash(kernels, gs.randn(a).matmul(gs.randn(b)));
const x = gs.randn([8, 64, 3 * 128]);
kernels = hash(kernels, x.add(gs.randn([3 * 128])).exp().sum(-1));
kernels = hash(kernels, x.softmax(-1));
const model = new gs.models.GPT({ nLayer: 2, nHead: 4, nEmbd: 128, blockSize: 64, vocabSize: 65, dropout: 0, bias: false });
const opt = model.configureOptimizers({ weightDecay: 0.1, lr: 1e-3, betas: [0.9, 0.99] });
const losses = [];
for (let i = 0; i < 3; i++) {
  const { loss } = model.forward(gs.randint(0, 65, [12, 64]), gs.randint(0, 65, [12, 64]));
  opt.zeroGrad();
  loss.backward();
  opt.step();
  losses.push(loss.item());
}
let gpt = 2166136261;
for (const p of model.parameters()) gpt = hash(gpt, p);
console.log(JSON.stringify({ backend: be.name, threads: be.threads, kernels, gpt, losses }));
`;

interface Run {
  backend: string;
  threads: number;
  kernels: number;
  gpt: number;
  losses: number[];
}

function run(threads: number, spinUs?: number): Run {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GRADSTACK_BACKEND: "native",
    GRADSTACK_NUM_THREADS: String(threads),
  };
  if (spinUs !== undefined) env.GRADSTACK_SPIN_US = String(spinUs);
  const res = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", env });
  assert.equal(res.status, 0, `threads=${threads}: ${res.stdout}${res.stderr}`);
  return JSON.parse(res.stdout.trim().split("\n").pop()!) as Run;
}

test("native pool: same bits on 1, 3 and 8 threads, and whether idle workers spin or sleep", (t) => {
  if (process.env.GRADSTACK_BACKEND === "js") return t.skip("runs once, in the native suite");
  const one = run(1);
  if (one.backend !== "cpu-native") return t.skip("native addon not built");
  const three = run(3);
  const threeSleeping = run(3, 0);
  const eight = run(8, 0);
  const eightSpinning = run(8);
  assert.deepEqual([three.threads, eight.threads], [3, 8]);
  for (const r of [three, threeSleeping, eight, eightSpinning]) assert.equal(r.kernels, one.kernels);
  // GPT steps: the layerNorm backward adds its weight gradient in one partial sum per thread (float
  // per block of rows, double per thread), so its float32 result may differ in the last bits between
  // thread counts: compare within one.
  assert.deepEqual(threeSleeping.losses, three.losses);
  assert.equal(threeSleeping.gpt, three.gpt);
  assert.deepEqual(eightSpinning.losses, eight.losses);
  assert.equal(eightSpinning.gpt, eight.gpt);
});
