/**
 * The one place the wasm backend is loaded (once per process or page): synchronously in Node (the
 * bytes come from the package), or asynchronously from bytes, a compiled module or a URL (browsers).
 */
import { makeWasmBackend, type WasmBackend, type WasmModuleInfo } from "./backend.js";
import type { WasmHeap } from "./heap.js";
import { instantiateAsync, instantiateSync, type WasmInstance } from "./instance.js";
import { wasmBytesSync } from "./node-bytes.js";
import { startThreads, wasmThreadCount } from "./node-threads.js";
import { clampThreads } from "./threads.js";
import { isWasmModule, webAssembly, type WasmModule } from "./webassembly.js";

export interface LoadedWasm {
  backend: WasmBackend;
  wasm: WasmInstance;
  heap: WasmHeap;
  info: WasmModuleInfo & { compileMs: number };
}

/** Where `init` finds the module: its bytes, a compiled module, or a URL to fetch. */
export type WasmSource = WasmModule | ArrayBuffer | Uint8Array | URL | string;

let loaded: LoadedWasm | null = null;

/** The loaded backend, or null before the first load. */
export function loadedWasm(): LoadedWasm | null {
  return loaded;
}

/** Loads the backend synchronously from the package's wasm/gradstack.wasm (Node). Throws why not. */
export function loadWasmSync(): LoadedWasm {
  if (loaded !== null) return loaded;
  const t0 = performance.now();
  const module = new (webAssembly().Module)(wasmBytesSync());
  const compileMs = performance.now() - t0;
  const wasm = instantiateSync(module);
  startThreads(module, wasm, wasmThreadCount());
  const made = makeWasmBackend(wasm);
  loaded = { ...made, wasm, info: { ...made.info, compileMs } };
  return loaded;
}

/** The module's default address next to this file in the package (dist/backend/wasm/ → wasm/). */
function defaultUrl(): URL {
  return new URL("../../../wasm/gradstack.wasm", import.meta.url);
}

async function compile(source: WasmSource | undefined): Promise<WasmModule> {
  if (isWasmModule(source)) return source;
  if (source instanceof ArrayBuffer || source instanceof Uint8Array) return webAssembly().compile(source);
  const isNode = typeof process !== "undefined" && process.versions?.node !== undefined;
  if (source === undefined && isNode) return webAssembly().compile(wasmBytesSync());
  const url = source ?? defaultUrl();
  const response = await fetch(String(url));
  if (!response.ok) throw new Error(`wasm.init: cannot fetch ${String(url)} (HTTP ${response.status})`);
  return webAssembly().compile(await response.arrayBuffer());
}

/**
 * Loads the backend asynchronously (browsers; Node too), with `threads` threads (default: the
 * platform's count, node-threads.ts); a later call returns the first load.
 */
export async function loadWasmAsync(source?: WasmSource, threads?: number): Promise<LoadedWasm> {
  if (loaded !== null) return loaded;
  const t0 = performance.now();
  const module = await compile(source);
  const compileMs = performance.now() - t0;
  const wasm = await instantiateAsync(module);
  if (loaded !== null) return loaded; // another init finished first
  startThreads(module, wasm, threads === undefined ? wasmThreadCount() : clampThreads(threads));
  const made = makeWasmBackend(wasm);
  loaded = { ...made, wasm, info: { ...made.info, compileMs } };
  return loaded;
}
