/**
 * The float32 GEMM on the GPT step's own products and on the edges of its work split
 * (test/helpers/gemm-shapes.ts) against cpu-js: in this process (the addon, or in the wasm pass of npm
 * test the WebAssembly module), then in child processes for each instruction set (portable, AVX2,
 * best) at 1, 2 and 3 threads, where the outputs must also be bit for bit the same at every thread
 * count (how a product is cut among threads never changes its sums), and on the WebAssembly module at
 * 1 and 3 threads (its workers). Skips without the addon.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";

import { cpuJs } from "../src/backend/cpu-js.js";
import { loadNative } from "../src/backend/native.js";
import { loadWasmSync } from "../src/backend/wasm/load.js";
import type { Backend } from "../src/backend/types.js";
import { checkGemmCases } from "./helpers/gemm-shapes.js";

const wasmPass = process.env.GRADSTACK_BACKEND === "wasm";
const loaded = wasmPass ? { backend: loadWasmSync().backend } : loadNative();
const nb: Backend | null = "backend" in loaded ? ({ ...cpuJs, ...loaded.backend } as Backend) : null;
const skip = "error" in loaded ? `native addon unavailable: ${loaded.error}` : false;

interface ChildResult {
  kernel: string;
  threads: number;
  workerTasks: number;
  error: string | null;
  hash: number;
}

/** The cases checked in a child process with `env` added: the native addon, or the wasm module's threads. */
function checkInChild(env: Record<string, string>): ChildResult {
  const url = (p: string) => JSON.stringify(new URL(p, import.meta.url).href);
  const script = `
    import { loadNative, nativeInfo } from ${url("../src/backend/native.js")};
    import { loadWasmSync } from ${url("../src/backend/wasm/load.js")};
    import { checkGemmCases } from ${url("./helpers/gemm-shapes.js")};
    let backend, kernel = "simd128", workerTasks = 0, wasm;
    if (process.env.GRADSTACK_BACKEND === "wasm") {
      ({ backend, wasm } = loadWasmSync());
      const want = Number(process.env.GRADSTACK_WASM_THREADS) - 1;
      for (let i = 0; i < 500 && wasm.exports.gs_workers_started() < want; i++) await new Promise((r) => setTimeout(r, 10));
    } else {
      const r = loadNative();
      if (!("backend" in r)) { console.log("unavailable: " + r.error); process.exit(3); }
      backend = r.backend, kernel = nativeInfo().gemmKernel;
    }
    const { error, hash } = checkGemmCases(backend);
    if (wasm) workerTasks = wasm.exports.gs_worker_tasks();
    console.log(JSON.stringify({ kernel, threads: backend.threads, workerTasks, error, hash }));
    process.exit(0);
  `;
  const what = JSON.stringify(env);
  const res = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
    encoding: "utf8",
    env: { ...process.env, ...env },
    timeout: 300_000,
  });
  assert.equal(res.status, 0, `${what}: ${res.stdout}${res.stderr}`);
  const r = JSON.parse(res.stdout.trim().split("\n").pop()!) as ChildResult;
  assert.equal(r.error, null, what);
  return r;
}

test("GEMM on the GPT step's shapes and the work split's edges agrees with cpu-js", { skip }, () => {
  const { error } = checkGemmCases(nb!);
  assert.equal(error, null);
});

test(
  "GEMM shapes at 1, 2 and 3 threads on each instruction set: cpu-js's values, the same bits at every thread count",
  { skip: skip || (wasmPass && "the addon's instruction sets; the wasm module has one (SIMD128)") },
  (t) => {
    for (const isa of ["generic", "avx2", ""]) {
      const hashes = new Set<number>();
      for (const threads of [1, 2, 3]) {
        const r = checkInChild({
          GRADSTACK_BACKEND: "native",
          GRADSTACK_ISA: isa,
          GRADSTACK_NUM_THREADS: `${threads}`,
        });
        t.diagnostic(`isa=${isa || "best"} threads=${threads}: ${r.kernel}, outputs ${r.hash.toString(16)}`);
        assert.equal(r.threads, threads);
        hashes.add(r.hash);
      }
      assert.equal(hashes.size, 1, `isa=${isa || "best"}: the outputs differ between thread counts`);
    }
  },
);

test("GEMM shapes on the wasm module at 1 and 3 threads: cpu-js's values, the same bits, the workers take tasks", () => {
  const [one, three] = [1, 3].map((threads) =>
    checkInChild({ GRADSTACK_BACKEND: "wasm", GRADSTACK_WASM_THREADS: `${threads}` }),
  );
  assert.equal(one.threads, 1);
  assert.equal(three.threads, 3);
  assert.ok(three.workerTasks > 0, "the workers ran tasks");
  assert.equal(three.hash, one.hash, "the outputs differ between thread counts");
});
