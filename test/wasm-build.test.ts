/**
 * The shipped WebAssembly module against its sources: wasm/manifest.json must list the current hash of
 * every file scripts/build-wasm.mjs compiles (and its flags), the module must be the one the manifest
 * names, small and quick to compile; and where clang-19 is installed, a rebuild must give the same
 * bytes (run in the wasm pass of `npm test` only: it takes a minute).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

import { packageRoot } from "../src/backend/native.js";

interface BuildScript {
  sourceManifest(): object;
  toolchainPresent(): boolean;
  buildWasm(outDir: string): Promise<string>;
}

const root = packageRoot() ?? ".";
const script = (await import(pathToFileURL(join(root, "scripts", "build-wasm.mjs")).href)) as BuildScript;
const wasmPath = join(root, "wasm", "gradstack.wasm");
const manifest = JSON.parse(readFileSync(join(root, "wasm", "manifest.json"), "utf8")) as {
  wasm: Record<string, string>;
};
const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

test("wasm/manifest.json matches native/src and the build flags (run `npm run build:wasm` after changing them)", () => {
  const { wasm: _, ...recorded } = manifest;
  assert.deepEqual(recorded, script.sourceManifest());
});

test("wasm/gradstack.wasm is the module the manifest names, under 2 MB, compiling in under 200 ms", () => {
  const bytes = readFileSync(wasmPath);
  assert.equal(sha256(bytes), manifest.wasm["gradstack.wasm"]);
  assert.ok(bytes.length < 2e6, `${bytes.length} bytes`);
  const api = (globalThis as unknown as { WebAssembly: { Module: new (b: Uint8Array) => object } })
    .WebAssembly;
  const t0 = performance.now();
  new api.Module(bytes);
  const ms = performance.now() - t0;
  assert.ok(ms < 200, `compiled in ${ms.toFixed(0)} ms`);
});

test("a rebuild with clang-19 is byte-identical to the shipped module", async (t) => {
  if (process.env.GRADSTACK_BACKEND !== "wasm") return t.skip("runs in the wasm pass of npm test");
  if (!script.toolchainPresent()) return t.skip("clang-19 is not installed");
  const out = mkdtempSync(join(tmpdir(), "gradstack-wasm-rebuild-"));
  try {
    const rebuilt = readFileSync(await script.buildWasm(out));
    assert.equal(
      sha256(rebuilt),
      sha256(readFileSync(wasmPath)),
      "rebuild differs: run `npm run build:wasm`",
    );
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
