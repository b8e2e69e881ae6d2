// Builds wasm/gradstack.wasm, the WebAssembly backend, from the native kernels' own sources
// (native/src minus the Node-API glue and the OS-thread pool) with Debian's clang-19, lld and
// wasi-libc (apt-get install clang-19 lld-19 wasi-libc libc++-19-dev-wasm32 libc++abi-19-dev-wasm32
// libclang-rt-19-dev-wasm32). No Emscripten: the module imports only its (shared) memory.
//
// The .wasm is committed with wasm/manifest.json (the hash of every source, the flags and the
// module's hash), so users need no toolchain. The build is deterministic: relative paths, no debug
// information, sources in sorted order, so a rebuild on the same toolchain is byte-identical
// (test/wasm-build.test.ts checks the manifest always, and the rebuild when clang-19 is present).
//
//   node scripts/build-wasm.mjs            rebuild wasm/gradstack.wasm and its manifest
//   node scripts/build-wasm.mjs --out DIR  build into DIR instead (the test's rebuild)
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const SRC = "native/src";
export const CLANG = "clang++-19";

/** Files of native/src that only the Node addon compiles: N-API glue, OS threads, x86 intrinsics. */
const NATIVE_ONLY = new Set(["addon.cc", "pool.cc", "gemm_x86.cc"]);

export const COMPILE_FLAGS = [
  "--target=wasm32-wasi",
  "-msimd128",
  // Shared memory (so typed arrays over it survive memory.grow, and workers can share it) needs
  // atomics and bulk memory in every object.
  "-matomics",
  "-mbulk-memory",
  "-O3",
  "-std=c++17",
  "-fno-exceptions",
  "-fno-threadsafe-statics",
  "-fno-math-errno",
  "-fno-trapping-math",
  "-g0",
  "-Wno-pass-failed",
];
export const LINK_FLAGS = [
  "--target=wasm32-wasi",
  "-mexec-model=reactor",
  "-Wl,--strip-all",
  "-Wl,--import-memory",
  "-Wl,--shared-memory",
  "-Wl,--max-memory=4294967296",
  // Each worker's instance gets a stack of its own (src/backend/wasm/worker.ts sets it).
  "-Wl,--export=__stack_pointer",
];

/** The sources the module is built from, sorted: the kernels' .cc files and every header. */
export function wasmSources() {
  return readdirSync(path.join(root, SRC))
    .filter((f) => (f.endsWith(".cc") && !NATIVE_ONLY.has(f)) || f.endsWith(".h"))
    .sort();
}

const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");

/** What the manifest records about the sources and flags now (without the module's hash). */
export function sourceManifest() {
  return {
    compiler: CLANG,
    compileFlags: COMPILE_FLAGS,
    linkFlags: LINK_FLAGS,
    sources: Object.fromEntries(wasmSources().map((f) => [f, sha256(readFileSync(path.join(root, SRC, f)))])),
  };
}

export function toolchainPresent() {
  return spawnSync(CLANG, ["--version"], { encoding: "utf8" }).status === 0;
}

function run(cmd, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(" ")} failed`)),
    );
  });
}

/** Compiles and links into `outDir` (gradstack.wasm and manifest.json); returns the module's path. */
export async function buildWasm(outDir, jobs = 2) {
  const objDir = mkdtempSync(path.join(tmpdir(), "gradstack-wasm-"));
  try {
    const units = wasmSources().filter((f) => f.endsWith(".cc"));
    const objects = units.map((f) => path.join(objDir, f.replace(/\.cc$/, ".o")));
    const queue = units.map(
      (f, i) => () => run(CLANG, [...COMPILE_FLAGS, "-c", `${SRC}/${f}`, "-o", objects[i]]),
    );
    await Promise.all(
      Array.from({ length: jobs }, async () => {
        for (let next = queue.shift(); next !== undefined; next = queue.shift()) await next();
      }),
    );
    mkdirSync(outDir, { recursive: true });
    const wasm = path.join(outDir, "gradstack.wasm");
    await run(CLANG, [...LINK_FLAGS, ...objects, "-o", wasm]);
    const manifest = { ...sourceManifest(), wasm: { "gradstack.wasm": sha256(readFileSync(wasm)) } };
    writeFileSync(path.join(outDir, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
    return wasm;
  } finally {
    rmSync(objDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  if (!toolchainPresent()) {
    console.error(
      `gradstack: ${CLANG} not found; install clang-19 lld-19 wasi-libc and libc++-19-dev-wasm32`,
    );
    process.exit(1);
  }
  const at = process.argv.indexOf("--out");
  const outDir = at > 0 ? path.resolve(process.argv[at + 1]) : path.join(root, "wasm");
  const t0 = Date.now();
  const wasm = await buildWasm(outDir);
  const kb = (readFileSync(wasm).length / 1024).toFixed(0);
  console.log(
    `gradstack: built ${path.relative(root, wasm)} (${kb} KiB) in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
}
