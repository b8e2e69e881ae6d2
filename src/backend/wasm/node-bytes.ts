/**
 * The bytes of wasm/gradstack.wasm read from the package in Node, synchronously (so that
 * `GRADSTACK_BACKEND=wasm` and `setBackend("wasm")` work like the other CPU backends). Browser bundles
 * get node-bytes.browser.ts instead (package.json's "browser" map): there, `await gs.wasm.init()`
 * fetches the module.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

import { packageRoot } from "../native.js";

export function wasmBytesSync(): Uint8Array {
  const root = packageRoot();
  if (root === null) throw new Error("cannot find gradstack's package.json to locate wasm/gradstack.wasm");
  const path = join(root, "wasm", "gradstack.wasm");
  if (!existsSync(path)) throw new Error(`${path} is missing (run \`npm run build:wasm\`)`);
  return readFileSync(path);
}
