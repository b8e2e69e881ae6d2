/**
 * What the wasm loader takes from Node: a variant's bytes read from the package synchronously (so that
 * `GRADSTACK_BACKEND=wasm` and `setBackend("wasm")` work like the other CPU backends), and V8's flag
 * for relaxed SIMD (Node 20). Browser bundles get node-bytes.browser.ts instead (package.json's
 * "browser" map): there, `await gs.wasm.init()` fetches the module.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";

import { packageRoot } from "../native.js";
import type { WasmFile } from "./variants.js";

export function wasmBytesSync(file: WasmFile = "gradstack.wasm"): Uint8Array {
  const root = packageRoot();
  if (root === null) throw new Error(`cannot find gradstack's package.json to locate wasm/${file}`);
  const path = join(root, "wasm", file);
  if (!existsSync(path)) throw new Error(`${path} is missing (run \`npm run build:wasm\`)`);
  return readFileSync(path);
}

/**
 * Turns on relaxed SIMD in V8 11.3 (Node 20), where it is still behind --experimental-wasm-relaxed-simd
 * (Node 22's V8 ships it). Process-wide, so only on request (GRADSTACK_WASM_RELAXED=1 or
 * `gs.wasm.init({ relaxedSimd: true })`), before the module is compiled.
 */
export function enableRelaxedSimd(): void {
  setFlagsFromString("--experimental-wasm-relaxed-simd");
}
