/**
 * The wasm backend's threads in Node: worker_threads, each running worker.ts over the same shared
 * memory. The pool (native/src/pool_wasm.cc) uses as many as have started, so nothing waits for
 * them here. Threads: GRADSTACK_WASM_THREADS, else GRADSTACK_NUM_THREADS (as the native backend),
 * else the core count. Browser bundles get node-threads.browser.ts (one thread).
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";

import type { WasmInstance } from "./instance.js";
import type { WasmModule } from "./webassembly.js";

/** Bytes of stack each worker gets (the kernels keep their large buffers on the heap). */
const STACK_BYTES = 1 << 20;

export function wasmThreadCount(): number {
  const env = process.env.GRADSTACK_WASM_THREADS || process.env.GRADSTACK_NUM_THREADS;
  const n = env ? Number.parseInt(env, 10) : availableParallelism();
  return Number.isInteger(n) && n >= 1 ? Math.min(n, 64) : 1;
}

/** Starts threads - 1 workers on `wasm`'s memory and tells the pool how many threads it has. */
export function startThreads(module: WasmModule, wasm: WasmInstance, threads: number): void {
  const ex = wasm.exports;
  for (let tid = 1; tid < threads; tid++) {
    const stack = ex.gs_alloc(STACK_BYTES) >>> 0;
    if (stack === 0) throw new Error("wasm backend: no memory for a worker's stack");
    const worker = new Worker(new URL("./worker.js", import.meta.url), {
      workerData: { module, memory: wasm.memory, tid, stackTop: stack + STACK_BYTES },
      execArgv: [], // not the parent's flags (--input-type, --test, ...)
    });
    worker.unref(); // a parked worker must not keep the process alive
    // A worker that cannot start leaves its tasks to the others (the pool counts who started).
    worker.on("error", (e) => console.warn(`gradstack: a wasm worker thread failed: ${e.message}`));
  }
  ex.gs_set_threads(threads);
}
