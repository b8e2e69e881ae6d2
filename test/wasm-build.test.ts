/**
 * The shipped WebAssembly modules against their sources: wasm/manifest.json must list the current hash
 * of every file scripts/build-wasm.mjs compiles (and its flags), every variant must be the module the
 * manifest names, small and compilable (bench/wasm-compile.ts times it), and the package must ship
 * each one; and where clang-19 is installed, a rebuild must give the same bytes (run in the wasm pass
 * of `npm test` only: it takes a few minutes).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { setFlagsFromString } from "node:v8";

import { packageRoot } from "../src/backend/native.js";
import { WASM_FILES } from "../src/backend/wasm/variants.js";

interface BuildScript {
  sourceManifest(): object;
  toolchainPresent(): boolean;
  buildWasm(outDir: string): Promise<string[]>;
  VARIANTS: Record<string, unknown>;
}

// Node 20 compiles the relaxed variants only behind V8's flag (this file runs in a process of its own).
setFlagsFromString("--experimental-wasm-relaxed-simd");

const root = packageRoot() ?? ".";
const script = (await import(pathToFileURL(join(root, "scripts", "build-wasm.mjs")).href)) as BuildScript;
const manifest = JSON.parse(readFileSync(join(root, "wasm", "manifest.json"), "utf8")) as {
  wasm: Record<string, string>;
};
const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

test("wasm/manifest.json matches native/src and the build flags (run `npm run build:wasm` after changing them)", () => {
  const { wasm: _, ...recorded } = manifest;
  assert.deepEqual(recorded, script.sourceManifest());
});

test("the build script, the manifest and the loader know the same variants, and the package ships them", () => {
  assert.deepEqual(Object.keys(script.VARIANTS).sort(), [...WASM_FILES].sort());
  assert.deepEqual(Object.keys(manifest.wasm).sort(), [...WASM_FILES].sort());
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { files: string[] };
  for (const file of [...WASM_FILES, "manifest.json"])
    assert.ok(pkg.files.includes(`wasm/${file}`), `package.json's files lists wasm/${file}`);
});

for (const file of WASM_FILES) {
  test(`wasm/${file} is the module the manifest names, under 2 MB, and compiles`, () => {
    const bytes = readFileSync(join(root, "wasm", file));
    assert.equal(sha256(bytes), manifest.wasm[file]);
    assert.ok(bytes.length < 2e6, `${bytes.length} bytes`);
    const api = (
      globalThis as unknown as {
        WebAssembly: { validate(b: Uint8Array): boolean; Module: new (b: Uint8Array) => object };
      }
    ).WebAssembly;
    assert.ok(api.validate(bytes), "valid (relaxed SIMD turned on above)");
    // Compile time is a speed figure (bench/wasm-compile.ts, BENCHMARKS.md), not a test: a loaded CI
    // machine would make it flaky.
    assert.ok(new api.Module(bytes));
  });
}

test("a rebuild with clang-19 is byte-identical to the shipped module", async (t) => {
  if (process.env.GRADSTACK_BACKEND !== "wasm") return t.skip("runs in the wasm pass of npm test");
  if (!script.toolchainPresent()) return t.skip("clang-19 is not installed");
  const out = mkdtempSync(join(tmpdir(), "gradstack-wasm-rebuild-"));
  try {
    for (const path of await script.buildWasm(out)) {
      const file = path.slice(out.length + 1);
      assert.equal(
        sha256(readFileSync(path)),
        sha256(readFileSync(join(root, "wasm", file))),
        `${file}: rebuild differs: run \`npm run build:wasm\``,
      );
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
