/**
 * `gs.wasm`: the WebAssembly backend, the native kernels compiled to WebAssembly SIMD128
 * (wasm/gradstack.wasm, built by scripts/build-wasm.mjs from native/src). In Node it loads on demand
 * (`GRADSTACK_BACKEND=wasm`, `gs.setBackend("wasm")`); in a browser, `await gs.wasm.init()` fetches
 * and compiles it and makes it the CPU backend. It needs shared WebAssembly memory: Node, or a
 * cross-origin-isolated page.
 * @example
 * await gs.wasm.init(); // or init({ module: "/assets/gradstack.wasm" })
 * gs.backend().name; // "wasm"
 */
import { setBackend } from "../index.js";
import { loadWasmAsync, loadedWasm, type WasmSource } from "./load.js";

export type { WasmSource };

export interface WasmInitOptions {
  /** The module: a URL (default: wasm/gradstack.wasm next to the package's dist/), its bytes, or a compiled module. */
  module?: WasmSource;
  /**
   * Threads, the calling one included (default: GRADSTACK_WASM_THREADS or the core count in Node,
   * navigator.hardwareConcurrency in a browser worker; 1 on a page's main thread, which may not wait).
   * Only the first load decides.
   */
  threads?: number;
  /** Make wasm the active CPU backend (default true). */
  activate?: boolean;
}

/** What the loaded module reports: its GEMM micro-kernels, instruction set, threads and compile time. */
export interface WasmInfo {
  gemmKernel: string;
  isa: string;
  threads: number;
  compileMs: number;
}

/** Loads the wasm backend (once) and, unless `activate: false`, makes it the CPU backend. */
export async function init(options: WasmInitOptions = {}): Promise<WasmInfo> {
  const { info } = await loadWasmAsync(options.module, options.threads);
  if (options.activate ?? true) setBackend("wasm");
  return info;
}

/** The loaded module's details, or null before it loaded. */
export function info(): WasmInfo | null {
  return loadedWasm()?.info ?? null;
}

/** The pool's threads (the caller included), its workers started so far, and the tasks they ran. */
export interface WasmThreadStats {
  threads: number;
  workersStarted: number;
  workerTasks: number;
}

/** The pool's counts (null before the backend loaded): workers start asynchronously, and take part once started. */
export function threadStats(): WasmThreadStats | null {
  const ex = loadedWasm()?.wasm.exports;
  if (ex === undefined) return null;
  return {
    threads: ex.gs_threads(),
    workersStarted: ex.gs_workers_started(),
    workerTasks: ex.gs_worker_tasks(),
  };
}

/** Bytes of WebAssembly memory held by live tensors (null before the backend loaded). */
export function memoryInUse(): number | null {
  return loadedWasm()?.heap.liveBytes ?? null;
}
