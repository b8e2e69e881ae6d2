/**
 * The wasm backend's threads in Node: worker_threads, each running worker.ts over the same shared
 * memory. Threads: the `threads` option of `gs.wasm.init`, else GRADSTACK_WASM_THREADS, else
 * GRADSTACK_NUM_THREADS (as the native backend), else the core count. GRADSTACK_WASM_SPIN: the polls
 * an idle worker makes before it sleeps (native/src/pool_wasm.cc; 0: sleep at once);
 * GRADSTACK_WASM_CALLER_SPIN: those the calling thread makes waiting for the workers (default 16384).
 * Browser bundles get node-threads.browser.ts (Web Workers).
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";

import type { WasmInstance } from "./instance.js";
import { clampThreads, startWorkers } from "./threads.js";
import type { WasmModule } from "./webassembly.js";

export function wasmThreadCount(): number {
  const env = process.env.GRADSTACK_WASM_THREADS || process.env.GRADSTACK_NUM_THREADS;
  return clampThreads(env ? Number.parseInt(env, 10) : availableParallelism());
}

/** Starts threads - 1 worker_threads on `wasm`'s memory. */
export function startThreads(module: WasmModule, wasm: WasmInstance, threads: number): void {
  const polls = (name: string, set: (n: number) => void) => {
    const n = Number.parseInt(process.env[name] ?? "", 10);
    if (Number.isInteger(n) && n >= 0) set(Math.min(n, 2 ** 32 - 1));
  };
  polls("GRADSTACK_WASM_SPIN", (n) => wasm.exports.gs_set_spin(n));
  polls("GRADSTACK_WASM_CALLER_SPIN", (n) => wasm.exports.gs_set_caller_spin(n));
  startWorkers(module, wasm, threads, (start, failed) => {
    const worker = new Worker(new URL("./worker.js", import.meta.url), {
      workerData: start,
      execArgv: [], // not the parent's flags (--input-type, --test, ...)
    });
    worker.unref(); // a parked worker must not keep the process alive
    // A worker that cannot start leaves its tasks to the others (the pool counts who started).
    worker.on("error", (e) => {
      failed();
      console.warn(`gradstack: a wasm worker thread failed: ${e.message}`);
    });
  });
}
