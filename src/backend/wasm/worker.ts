/**
 * A thread of the wasm backend's pool (Node worker_threads; started by node-threads.ts): an instance
 * of the module over the shared memory with its own stack and thread-local block, parked in
 * gs_worker (native/src/pool_wasm.cc) on memory.atomic.wait32 between jobs. It never returns.
 */
import { workerData } from "node:worker_threads";

import type { WasmExports } from "./instance.js";
import { webAssembly, type WasmMemory, type WasmModule } from "./webassembly.js";

const { module, memory, tid, stackTop } = workerData as {
  module: WasmModule;
  memory: WasmMemory;
  tid: number;
  stackTop: number;
};
const exports = new (webAssembly().Instance)(module, { env: { memory } })
  .exports as unknown as WasmExports & {
  __stack_pointer: { value: number };
  gs_worker(tid: number): void;
};
// Its own stack first (the module's static stack is the main thread's), then its thread-locals; the
// module's constructors already ran in the main thread's instance.
exports.__stack_pointer.value = stackTop;
if (exports.gs_init_tls() !== 1) throw new Error("wasm worker: cannot set up thread-local storage");
exports.gs_worker(tid);
