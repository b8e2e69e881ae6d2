/**
 * The one place the wasm backend is loaded (once per process or page): synchronously in Node (the
 * bytes come from the package), or asynchronously from bytes, a compiled module or a URL (browsers).
 * Which variant (variants.ts): threads over shared memory where the platform has it, else one thread;
 * relaxed SIMD where the engine has it.
 */
import { makeWasmBackend, type WasmBackend, type WasmModuleInfo } from "./backend.js";
import type { WasmHeap } from "./heap.js";
import { instantiateAsync, instantiateSync, sharedMemoryAvailable, type WasmInstance } from "./instance.js";
import { enableRelaxedSimd, wasmBytesSync } from "./node-bytes.js";
import { startThreads, wasmThreadCount } from "./node-threads.js";
import { clampThreads, workersParked } from "./threads.js";
import { fileOf, relaxedSimdSupported, type WasmFile, type WasmVariant } from "./variants.js";
import { isWasmModule, webAssembly, type WasmModule } from "./webassembly.js";

export interface LoadedWasm {
  backend: WasmBackend;
  wasm: WasmInstance;
  heap: WasmHeap;
  info: WasmModuleInfo & { compileMs: number; sharedMemory: boolean };
}

/** Where `init` finds a module: its bytes, a compiled module, or a URL to fetch. */
export type WasmSource = WasmModule | ArrayBuffer | Uint8Array | URL | string;
/** Where `init` finds each variant, by file name (e.g. the URLs a bundler gave the files). */
export type WasmSources = Partial<Record<WasmFile, WasmSource>>;

/** What decides the variant and its threads (gs.wasm.init's options). */
export interface WasmLoadOptions {
  /** One module, used as it is, or the variants by file name; default: the package's wasm/ folder. */
  module?: WasmSource | WasmSources;
  threads?: number;
  /**
   * Threads over shared memory (default: GRADSTACK_WASM_SHARED=1|0, else where SharedArrayBuffer is);
   * false: the single-thread module.
   */
  sharedMemory?: boolean;
  /** The relaxed-SIMD module (default: GRADSTACK_WASM_RELAXED=1|0, else where the engine validates it). */
  relaxedSimd?: boolean;
}

let loaded: LoadedWasm | null = null;

/** The loaded backend, or null before the first load. */
export function loadedWasm(): LoadedWasm | null {
  return loaded;
}

/** An environment flag set to 1 or 0 (Node); undefined otherwise and in browsers. */
function envFlag(name: string): boolean | undefined {
  const env = typeof process !== "undefined" ? process.env?.[name] : undefined;
  return env === "1" ? true : env === "0" ? false : undefined;
}

/**
 * Whether to load a relaxed-SIMD module: where the engine validates one, unless told not to; when
 * asked for, Node 20's V8 flag is set first (opt-in only: it is process-wide and experimental there).
 */
function wantRelaxed(asked: boolean | undefined): boolean {
  const want = asked ?? envFlag("GRADSTACK_WASM_RELAXED");
  if (want === false) return false;
  if (relaxedSimdSupported()) return true;
  if (want !== true) return false;
  enableRelaxedSimd();
  if (relaxedSimdSupported()) return true;
  throw new Error("wasm backend: relaxed SIMD was asked for, but this WebAssembly engine has none");
}

function chooseVariant(options: WasmLoadOptions): WasmVariant {
  return {
    sharedMemory: options.sharedMemory ?? envFlag("GRADSTACK_WASM_SHARED") ?? sharedMemoryAvailable(),
    relaxedSimd: wantRelaxed(options.relaxedSimd),
  };
}

/** Makes the backend over a new instance of `module`, with its threads (one without shared memory). */
function finish(wasm: WasmInstance, module: WasmModule, threads: number, compileMs: number): LoadedWasm {
  if (wasm.shared) startThreads(module, wasm, threads);
  const made = makeWasmBackend(wasm);
  return { ...made, wasm, info: { ...made.info, compileMs, sharedMemory: wasm.shared } };
}

/** Loads the backend synchronously from the package's wasm/ folder (Node). Throws why not. */
export function loadWasmSync(): LoadedWasm {
  if (loaded !== null) return loaded;
  const t0 = performance.now();
  const module = new (webAssembly().Module)(wasmBytesSync(fileOf(chooseVariant({}))));
  const compileMs = performance.now() - t0;
  loaded = finish(instantiateSync(module), module, wasmThreadCount(), compileMs);
  return loaded;
}

/** A variant's default address next to this file in the package (dist/backend/wasm/ → wasm/). */
function defaultUrl(file: WasmFile): URL {
  return new URL(`../../../wasm/${file}`, import.meta.url);
}

function isSource(x: unknown): x is WasmSource {
  return (
    isWasmModule(x) ||
    x instanceof ArrayBuffer ||
    x instanceof Uint8Array ||
    x instanceof URL ||
    typeof x === "string"
  );
}

async function compileSource(source: WasmSource): Promise<WasmModule> {
  if (isWasmModule(source)) return source;
  if (source instanceof ArrayBuffer || source instanceof Uint8Array) return webAssembly().compile(source);
  const response = await fetch(String(source));
  if (!response.ok) throw new Error(`wasm.init: cannot fetch ${String(source)} (HTTP ${response.status})`);
  return webAssembly().compile(await response.arrayBuffer());
}

/** The chosen variant's module from `sources` (falling back from relaxed to plain SIMD128), or the package's. */
async function compileVariant(sources: WasmSources | undefined, v: WasmVariant): Promise<WasmModule> {
  const files = [fileOf(v), ...(v.relaxedSimd ? [fileOf({ ...v, relaxedSimd: false })] : [])];
  if (sources !== undefined) {
    const file = files.find((f) => sources[f] !== undefined);
    if (file === undefined)
      throw new Error(
        `wasm.init: no module for ${files.join(" or ")} among ${Object.keys(sources).join(", ")}`,
      );
    return compileSource(sources[file]!);
  }
  const isNode = typeof process !== "undefined" && process.versions?.node !== undefined;
  return isNode ? webAssembly().compile(wasmBytesSync(files[0])) : compileSource(defaultUrl(files[0]));
}

let loading: Promise<LoadedWasm> | null = null;

/**
 * Loads the backend asynchronously (browsers; Node too), with `threads` threads (default: the
 * platform's count, node-threads.ts; 1 for the single-thread modules), and resolves once its workers
 * have joined the pool; a later call returns the first load.
 */
export function loadWasmAsync(options: WasmLoadOptions = {}): Promise<LoadedWasm> {
  if (loaded !== null) return Promise.resolve(loaded);
  loading ??= loadAndJoin(options).finally(() => (loading = null));
  return loading;
}

async function loadAndJoin(options: WasmLoadOptions): Promise<LoadedWasm> {
  const t0 = performance.now();
  let module: WasmModule;
  if (isSource(options.module)) {
    if (options.relaxedSimd === true) wantRelaxed(true); // a relaxed module needs Node 20's flag first
    module = await compileSource(options.module);
  } else module = await compileVariant(options.module, chooseVariant(options));
  const compileMs = performance.now() - t0;
  const wasm = await instantiateAsync(module);
  if (loaded !== null) return loaded; // a synchronous load finished first
  const threads = options.threads === undefined ? wasmThreadCount() : clampThreads(options.threads);
  const made = finish(wasm, module, threads, compileMs);
  if (wasm.shared) await workersParked(wasm, made.info.threads);
  loaded ??= made;
  return loaded;
}
