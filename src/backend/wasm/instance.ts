/**
 * One running instance of a wasm/gradstack*.wasm variant: its exports (native/src/wasm_exports.cc) and
 * the memory it imports. The threaded variants import a `WebAssembly.Memory` with `shared: true`:
 * typed arrays over a SharedArrayBuffer stay valid when the memory grows, and workers can share it.
 * The single-thread variants get a plain memory that never grows (growing would detach its
 * ArrayBuffer, and every tensor over it with it): its whole size is set at the start, and what does
 * not fit lives outside it (heap.ts).
 */
import { isSharedMemoryModule } from "./variants.js";
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
  gs_call_list(kernel: number, count: number): number;
  gs_alloc(bytes: number): number;
  gs_free(ptr: number): void;
  gs_zero(ptr: number, bytes: number): void;
  gs_threads(): number;
  gs_gemm_kernel(): number;
  gs_isa(): number;
  gs_set_threads(n: number): void;
  gs_set_spin(polls: number): void;
  gs_set_caller_spin(polls: number): void;
  gs_workers_started(): number;
  gs_worker_tasks(): number;
}

export interface WasmInstance {
  readonly exports: WasmExports;
  readonly memory: WasmMemory;
  /** False for the single-thread variants: the memory is an ArrayBuffer that must never grow. */
  readonly shared: boolean;
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

/**
 * Sizes tried for a plain memory, largest first (pages of 64 KiB: 1 GiB down to 64 MiB); engines
 * reserve it, and the OS gives it pages only as tensors touch them.
 */
const PLAIN_PAGES = [16384, 8192, 4096, 2048, 1024];

function newMemory(shared: boolean): WasmMemory {
  const api = webAssembly();
  if (!shared) {
    for (const pages of PLAIN_PAGES) {
      try {
        return new api.Memory({ initial: pages, maximum: pages, shared: false });
      } catch {
        // too large for this engine or device: try a smaller one
      }
    }
    throw new Error(
      `the wasm backend cannot reserve ${(PLAIN_PAGES.at(-1)! * 65536) / 2 ** 20} MiB of memory`,
    );
  }
  if (!sharedMemoryAvailable())
    throw new Error(
      "this wasm module needs shared WebAssembly memory (SharedArrayBuffer): in a browser the page " +
        "must be cross-origin isolated (COOP/COEP headers), or use the single-thread module",
    );
  return new api.Memory({ initial: INITIAL_PAGES, maximum: MAX_PAGES, shared: true });
}

/** Runs the instance's initialisers: thread-local variables first (the embedder's job with shared memory). */
function ready(instance: WasmInstanceObject, memory: WasmMemory, shared: boolean): WasmInstance {
  const exports = instance.exports as unknown as WasmExports;
  if (exports.gs_init_tls() !== 1) throw new Error("wasm backend: cannot set up thread-local storage");
  exports._initialize();
  return { exports, memory, shared };
}

/** Instantiates the compiled module over a new memory (synchronously: Node, workers). */
export function instantiateSync(module: WasmModule): WasmInstance {
  const shared = isSharedMemoryModule(module);
  const memory = newMemory(shared);
  return ready(new (webAssembly().Instance)(module, { env: { memory } }), memory, shared);
}

/** The same, asynchronously (a browser's main thread refuses large synchronous instantiations). */
export async function instantiateAsync(module: WasmModule): Promise<WasmInstance> {
  const shared = isSharedMemoryModule(module);
  const memory = newMemory(shared);
  return ready(await webAssembly().instantiate(module, { env: { memory } }), memory, shared);
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
