/**
 * `gs.wasm`: the WebAssembly backend, the native kernels compiled to WebAssembly SIMD128
 * (wasm/gradstack*.wasm, built by scripts/build-wasm.mjs from native/src). In Node it loads on demand
 * (`GRADSTACK_BACKEND=wasm`, `gs.setBackend("wasm")`); in a browser, `await gs.wasm.init()` fetches
 * and compiles it and makes it the CPU backend. With shared WebAssembly memory (Node, a
 * cross-origin-isolated page) it runs on threads; without, a single-thread module; where the engine
 * has relaxed SIMD, a module whose GEMM uses fused multiply-adds.
 * @example
 * await gs.wasm.init(); // or init({ module: { "gradstack.wasm": url1, "gradstack-single.wasm": url2 } })
 * gs.backend().name; // "wasm"
 */
import { setBackend } from "../index.js";
import {
  loadWasmAsync,
  loadedWasm,
  type WasmLoadOptions,
  type WasmSource,
  type WasmSources,
} from "./load.js";
import { checkKnownKeys } from "../../util/options.js";

export type { WasmSource, WasmSources };
export { WASM_FILES, type WasmFile } from "./variants.js";

export interface WasmInitOptions {
  /**
   * The module: one URL, its bytes or a compiled module, used as it is; or each variant's (by file
   * name, see WASM_FILES) for init to choose from. Default: the variants in wasm/ next to the
   * package's dist/.
   */
  module?: WasmSource | WasmSources;
  /** Threads over shared memory (default: where the platform has SharedArrayBuffer); false: the single-thread module. */
  sharedMemory?: boolean;
  /**
   * The relaxed-SIMD module (results differ by rounding only). Default: GRADSTACK_WASM_RELAXED=1|0,
   * else wherever the engine validates it (Chromium, Node 22+). `true` on Node 20 sets V8's
   * --experimental-wasm-relaxed-simd, process-wide, before compiling.
   */
  relaxedSimd?: boolean;
  /**
   * Threads, the calling one included (default: GRADSTACK_WASM_THREADS or the core count in Node,
   * navigator.hardwareConcurrency in a browser worker; 1 on a page's main thread, which may not wait).
   * The single-thread module has one. Only the first load decides.
   */
  threads?: number;
  /** Make wasm the active CPU backend (default true). */
  activate?: boolean;
}

/**
 * What the loaded module reports: its GEMM micro-kernels, instruction set ("simd128" or
 * "relaxed-simd"), threads, whether its memory is shared, and compile time.
 */
export interface WasmInfo {
  gemmKernel: string;
  isa: string;
  threads: number;
  sharedMemory: boolean;
  compileMs: number;
}

/**
 * Loads the wasm backend (once) and, unless `activate: false`, makes it the CPU backend; resolves once
 * its worker threads have joined the pool (a browser starts them only while this thread yields).
 */
export async function init(options: WasmInitOptions = {}): Promise<WasmInfo> {
  checkKnownKeys("wasm.init", options, ["module", "sharedMemory", "relaxedSimd", "threads", "activate"]);
  const { info } = await loadWasmAsync(options satisfies WasmLoadOptions);
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
