/**
 * What browser bundles get instead of node-bytes.ts (package.json's "browser" map): a page cannot read
 * the module synchronously, so the wasm backend starts with `await gs.wasm.init()`; and a browser's
 * relaxed SIMD is on or off, with no flag to set.
 */
import type * as NodeBytes from "./node-bytes.js";

export const wasmBytesSync: typeof NodeBytes.wasmBytesSync = () => {
  throw new Error("in a browser the wasm backend loads asynchronously: call `await gs.wasm.init()` first");
};

export const enableRelaxedSimd: typeof NodeBytes.enableRelaxedSimd = () => {};
