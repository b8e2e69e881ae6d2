/**
 * The part of the WebAssembly JS API this backend uses, typed here (the project's TypeScript lib has
 * no WebAssembly declarations; text/word2vec/wasm.ts types its own part the same way).
 */
export interface WasmMemory {
  readonly buffer: ArrayBufferLike;
  grow(pages: number): number;
}

/** A compiled module (opaque). */
export interface WasmModule {
  readonly __wasmModule?: never;
}

export interface WasmInstanceObject {
  readonly exports: Record<string, unknown>;
}

interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => WasmInstanceObject;
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  compile(bytes: ArrayBuffer | Uint8Array): Promise<WasmModule>;
  instantiate(module: WasmModule, imports: object): Promise<WasmInstanceObject>;
}

/** The platform's WebAssembly object; throws where there is none. */
export function webAssembly(): WasmApi {
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (api === undefined) throw new Error("this JavaScript engine has no WebAssembly");
  return api;
}

/** Whether `x` is a compiled module. */
export function isWasmModule(x: unknown): x is WasmModule {
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  return api !== undefined && x instanceof api.Module;
}
