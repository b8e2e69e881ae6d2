/**
 * The module variants scripts/build-wasm.mjs builds from the same sources, and the choice among them:
 * threads over shared memory where the platform has it (Node; cross-origin-isolated pages), else one
 * thread over a plain memory; relaxed SIMD (the GEMM's multiply-adds fused where the CPU has FMA)
 * where the engine validates it. The relaxed variants differ from the others by rounding only.
 */
import { webAssembly, type WasmModule } from "./webassembly.js";

/** The variants' file names in the package's wasm/ folder. */
export const WASM_FILES = [
  "gradstack.wasm",
  "gradstack-relaxed.wasm",
  "gradstack-single.wasm",
  "gradstack-relaxed-single.wasm",
] as const;
export type WasmFile = (typeof WASM_FILES)[number];

/** What a variant needs of the engine. */
export interface WasmVariant {
  sharedMemory: boolean;
  relaxedSimd: boolean;
}

export function fileOf(v: WasmVariant): WasmFile {
  const name = `gradstack${v.relaxedSimd ? "-relaxed" : ""}${v.sharedMemory ? "" : "-single"}.wasm`;
  return name as WasmFile;
}

/** A module of one function, f32x4.relaxed_madd of three zero vectors: valid only where relaxed SIMD is. */
const RELAXED_PROBE = new Uint8Array([
  ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], // magic, version
  ...[0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b], // type: () -> v128
  ...[0x03, 0x02, 0x01, 0x00], // one function of that type
  ...[0x0a, 0x3d, 0x01, 0x3b, 0x00], // code: one body of 59 bytes, no locals
  ...Array.from({ length: 3 }, () => [0xfd, 0x0c, ...new Array<number>(16).fill(0)]).flat(), // v128.const 0, thrice
  ...[0xfd, 0x85, 0x02, 0x0b], // f32x4.relaxed_madd, end
]);

/** Whether this engine runs relaxed SIMD (Chromium 114+, Node 22+; Node 20 behind a V8 flag). */
export function relaxedSimdSupported(): boolean {
  try {
    return (webAssembly() as unknown as { validate(b: Uint8Array): boolean }).validate(RELAXED_PROBE);
  } catch {
    return false;
  }
}

/** Whether a compiled module is a threaded (shared-memory) variant: only those export gs_worker. */
export function isSharedMemoryModule(module: WasmModule): boolean {
  const api = webAssembly() as unknown as { Module: { exports(m: WasmModule): { name: string }[] } };
  return api.Module.exports(module).some((e) => e.name === "gs_worker");
}
