/**
 * One running instance of wasm/gradstack.wasm: its exports (native/src/wasm_exports.cc) and the
 * shared memory it imports. The memory is a `WebAssembly.Memory` with `shared: true`: typed arrays
 * over a SharedArrayBuffer stay valid when the memory grows (a plain ArrayBuffer would be detached,
 * and every tensor over it with it), and workers can share it.
 */
import { webAssembly, type WasmInstanceObject, type WasmMemory, type WasmModule } from "./webassembly.js";

/** What the module exports (native/src/wasm_exports.cc); pointers are u32 read as i32 (`>>> 0`). */
export interface WasmExports {
  _initialize(): void;
  gs_init_tls(): number;
  gs_slots(): number;
  gs_scratch(): number;
  gs_scratch_len(): number;
  gs_max_storages(): number;
  gs_kernel_count(): number;
  gs_kernel_name(i: number): number;
  gs_call(kernel: number): number;
  gs_alloc(bytes: number): number;
  gs_free(ptr: number): void;
  gs_threads(): number;
  gs_gemm_kernel(): number;
  gs_isa(): number;
  gs_set_threads(n: number): void;
  gs_workers_started(): number;
  gs_worker_tasks(): number;
}

export interface WasmInstance {
  readonly exports: WasmExports;
  readonly memory: WasmMemory;
}

/** Pages the memory starts with (16 MiB; the module's data and stack need about 1 MiB) and may reach (4 GiB). */
const INITIAL_PAGES = 256;
const MAX_PAGES = 65536;

/** Whether this platform has shared WebAssembly memory (Node; cross-origin-isolated pages). */
export function sharedMemoryAvailable(): boolean {
  if (typeof SharedArrayBuffer === "undefined") return false;
  try {
    new (webAssembly().Memory)({ initial: 1, maximum: 1, shared: true });
    return true;
  } catch {
    return false;
  }
}

function newMemory(): WasmMemory {
  if (!sharedMemoryAvailable())
    throw new Error(
      "the wasm backend needs shared WebAssembly memory (SharedArrayBuffer): in a browser the page " +
        "must be cross-origin isolated (COOP/COEP headers)",
    );
  return new (webAssembly().Memory)({ initial: INITIAL_PAGES, maximum: MAX_PAGES, shared: true });
}

/** Runs the instance's initialisers: thread-local variables first (the embedder's job with shared memory). */
function ready(instance: WasmInstanceObject, memory: WasmMemory): WasmInstance {
  const exports = instance.exports as unknown as WasmExports;
  if (exports.gs_init_tls() !== 1) throw new Error("wasm backend: cannot set up thread-local storage");
  exports._initialize();
  return { exports, memory };
}

/** Instantiates the compiled module over a new shared memory (synchronously: Node, workers). */
export function instantiateSync(module: WasmModule): WasmInstance {
  const memory = newMemory();
  return ready(new (webAssembly().Instance)(module, { env: { memory } }), memory);
}

/** The same, asynchronously (a browser's main thread refuses large synchronous instantiations). */
export async function instantiateAsync(module: WasmModule): Promise<WasmInstance> {
  const memory = newMemory();
  return ready(await webAssembly().instantiate(module, { env: { memory } }), memory);
}

/** The NUL-terminated string at `ptr` in the instance's memory. */
export function readCString(memory: WasmMemory, ptr: number): string {
  const bytes = new Uint8Array(memory.buffer);
  let end = ptr >>> 0;
  while (bytes[end] !== 0) end++;
  let s = "";
  for (let i = ptr >>> 0; i < end; i++) s += String.fromCharCode(bytes[i]);
  return s;
}
