/**
 * What the wasm backend's threads share on every platform: each worker gets a stack of its own in the
 * module's memory and a message (`WorkerStart`) to run `parkWorker` with; the platform (node-threads.ts:
 * worker_threads, node-threads.browser.ts: Web Workers) only says how a worker is spawned.
 */
import type { WasmInstance } from "./instance.js";
import type { WasmMemory, WasmModule } from "./webassembly.js";

/** Bytes of stack each worker gets (the kernels keep their large buffers on the heap). */
const STACK_BYTES = 1 << 20;

/** What a worker needs to join the pool. */
export interface WorkerStart {
  module: WasmModule;
  memory: WasmMemory;
  tid: number;
  stackTop: number;
}

/** Workers whose platform reported that they failed to start (the one loaded instance's). */
let failedWorkers = 0;

/**
 * Spawns threads - 1 workers on `wasm`'s memory and tells the pool how many threads it has; `spawn`
 * calls `failed` when its worker cannot start, so that a load stops waiting for it.
 */
export function startWorkers(
  module: WasmModule,
  wasm: WasmInstance,
  threads: number,
  spawn: (start: WorkerStart, failed: () => void) => void,
): void {
  const ex = wasm.exports;
  for (let tid = 1; tid < threads; tid++) {
    const stack = ex.gs_alloc(STACK_BYTES) >>> 0;
    if (stack === 0) throw new Error("wasm backend: no memory for a worker's stack");
    spawn({ module, memory: wasm.memory, tid, stackTop: stack + STACK_BYTES }, () => failedWorkers++);
  }
  // The pool uses as many workers as have parked (native/src/pool_wasm.cc), so nothing waits here.
  ex.gs_set_threads(threads);
}

/** How long an asynchronous load waits for its workers to park before it goes on with those that did. */
const JOIN_TIMEOUT_MS = 10_000;

/**
 * Resolves once `threads - 1` workers have parked in the pool (or after JOIN_TIMEOUT_MS, with a
 * warning: the pool uses whoever parked). A browser starts a worker's Web Workers only while the
 * thread that made them returns to its event loop, so a caller that trains in a synchronous loop
 * right after a load that did not wait here ran every step on one thread (bench:browser's GPT step
 * measured so: workersStarted 0 after 13 steps).
 */
export async function workersParked(wasm: WasmInstance, threads: number): Promise<void> {
  const want = threads - 1;
  const t0 = Date.now();
  while (wasm.exports.gs_workers_started() + failedWorkers < want) {
    if (Date.now() - t0 > JOIN_TIMEOUT_MS) {
      const n = wasm.exports.gs_workers_started();
      console.warn(`gradstack: ${n} of ${want} wasm worker threads started within ${JOIN_TIMEOUT_MS} ms`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** The thread count asked for, as the pool takes it (1 to 64). */
export function clampThreads(n: number): number {
  return Number.isInteger(n) && n >= 1 ? Math.min(n, 64) : 1;
}

/**
 * A worker's life: an instance of the module over the shared memory, its own stack and thread-local
 * block, then gs_worker (parked on memory.atomic.wait32 between jobs); it never returns. It uses
 * nothing but its argument and the global WebAssembly, because browsers run its source text
 * (`parkWorker.toString()`) in a Web Worker made from a Blob, whatever bundler built the page.
 */
export function parkWorker(start: WorkerStart): void {
  const api = (
    globalThis as unknown as {
      WebAssembly: { Instance: new (m: unknown, i: object) => { exports: unknown } };
    }
  ).WebAssembly;
  const ex = new api.Instance(start.module, { env: { memory: start.memory } }).exports as {
    __stack_pointer: { value: number };
    gs_init_tls(): number;
    gs_worker(tid: number): void;
  };
  // Its own stack first (the module's static stack is the calling thread's), then its thread-locals;
  // the module's constructors already ran in the calling thread's instance.
  ex.__stack_pointer.value = start.stackTop;
  if (ex.gs_init_tls() !== 1) throw new Error("wasm worker: cannot set up thread-local storage");
  ex.gs_worker(start.tid);
}
