/**
 * The wasm backend's threads (Node worker_threads over its shared memory): a child process per thread
 * count runs matmuls, fused kernels and causal attention on the wasm kernels; with 3 threads the
 * workers must start and take tasks, and every result must equal the single-threaded one bit for bit
 * (the pool splits work, never the arithmetic) and agree with cpu-js.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";

const loadUrl = new URL("../src/backend/wasm/load.js", import.meta.url).href;
const cpuUrl = new URL("../src/backend/cpu-js.js", import.meta.url).href;

const script = `
  import { loadWasmSync } from ${JSON.stringify(loadUrl)};
  import { cpuJs } from ${JSON.stringify(cpuUrl)};
  const { backend: be, wasm } = loadWasmSync();
  const want = Number(process.env.GRADSTACK_WASM_THREADS) - 1;
  for (let i = 0; i < 500 && wasm.exports.gs_workers_started() < want; i++) await new Promise((r) => setTimeout(r, 10));
  let seed = 7;
  const fill = (a) => { for (let i = 0; i < a.length; i++) { seed = (seed * 16807) % 2147483647; a[i] = seed / 2147483647 - 0.5; } return a; };
  const results = {};
  let worst = 0;
  const compare = (name, got, ref) => {
    // FNV-1a over the bits: equal hashes for equal results, bit for bit
    let h = 2166136261;
    for (const word of new Uint32Array(Float32Array.from(got).buffer)) h = Math.imul(h ^ word, 16777619) >>> 0;
    results[name] = h;
    for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - ref[i]) / (1 + Math.abs(ref[i])));
  };
  const [m, n, k, batch] = [193, 171, 257, 3];
  const a = fill(be.alloc("float32", batch * m * k)), b = fill(be.alloc("float32", batch * k * n));
  const p = { batch, m, n, k, transA: false, transB: true, lda: k, ldb: k, aOffset: 0, bOffset: 0, aBatchStride: m * k, bBatchStride: k * n };
  const out = be.alloc("float32", batch * m * n), ref = new Float32Array(batch * m * n);
  be.matmul(a, b, out, p); cpuJs.matmul(a, b, ref, p); compare("matmul", out, ref);
  const rows = 300, cols = 129;
  const x = fill(be.alloc("float32", rows * cols)), w = fill(be.alloc("float32", cols)), bias = fill(be.alloc("float32", cols));
  const ln = [be.alloc("float32", rows * cols), be.alloc("float32", rows), be.alloc("float32", rows)];
  const lnRef = [new Float32Array(rows * cols), new Float32Array(rows), new Float32Array(rows)];
  be.layerNorm(x, w, bias, ln[0], ln[1], ln[2], rows, cols, 1e-5);
  cpuJs.layerNorm(x, w, bias, lnRef[0], lnRef[1], lnRef[2], rows, cols, 1e-5);
  compare("layerNorm", ln[0], lnRef[0]);
  const sm = be.alloc("float32", rows * cols), smRef = new Float32Array(rows * cols);
  be.softmax(x, sm, rows, cols, false); cpuJs.softmax(x, smRef, rows, cols, false); compare("softmax", sm, smRef);
  const [B, T, nh, hs] = [2, 40, 4, 16];
  const qkv = fill(be.alloc("float32", B * T * 3 * nh * hs));
  const att = be.alloc("float32", B * T * nh * hs), lse = be.alloc("float32", B * nh * T);
  const attRef = new Float32Array(B * T * nh * hs), lseRef = new Float32Array(B * nh * T);
  const scale = 1 / Math.sqrt(hs);
  be.causalAttention(qkv, att, lse, B, T, nh, hs, scale); cpuJs.causalAttention(qkv, attRef, lseRef, B, T, nh, hs, scale);
  compare("attention", att, attRef);
  console.log(JSON.stringify({ threads: be.threads, workers: wasm.exports.gs_workers_started(), workerTasks: wasm.exports.gs_worker_tasks(), worst, results }));
  process.exit(0);
`;

function run(threads: number) {
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
    encoding: "utf8",
    env: { ...process.env, GRADSTACK_WASM_THREADS: String(threads) },
    timeout: 120_000,
  });
  assert.equal(r.status, 0, `threads=${threads}: ${r.stdout}${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as {
    threads: number;
    workers: number;
    workerTasks: number;
    worst: number;
    results: Record<string, number>;
  };
}

test("wasm on 1 and 3 threads: workers take tasks, results equal bit for bit and agree with cpu-js", () => {
  const one = run(1);
  const three = run(3);
  assert.equal(one.threads, 1);
  assert.equal(one.workers, 0);
  assert.equal(three.threads, 3);
  assert.equal(three.workers, 2, "both workers started");
  assert.ok(three.workerTasks > 0, "the workers ran tasks");
  assert.deepEqual(three.results, one.results);
  assert.ok(one.worst < 1e-4, `worst relative error against cpu-js ${one.worst}`);
});
