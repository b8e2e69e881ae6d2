// Builds wasm/gradstack*.wasm, the WebAssembly backend's variants, from the native kernels' own sources
// (native/src minus the Node-API glue and the OS-thread pool) with Debian's clang-19, lld and
// wasi-libc (apt-get install clang-19 lld-19 wasi-libc libc++-19-dev-wasm32 libc++abi-19-dev-wasm32
// libclang-rt-19-dev-wasm32). No Emscripten: the module imports only its (shared) memory.
//
// The .wasm is committed with wasm/manifest.json (the hash of every source, the flags and the
// module's hash), so users need no toolchain. The build is deterministic: relative paths, no debug
// information, sources in sorted order, so a rebuild on the same toolchain is byte-identical
// (test/wasm-build.test.ts checks the manifest always, and the rebuild when clang-19 is present).
//
//   node scripts/build-wasm.mjs            rebuild wasm/gradstack*.wasm and their manifest
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
const NATIVE_ONLY = new Set(["addon.cc", "host_arena.cc", "pool.cc", "gemm_x86.cc"]);

export const COMPILE_FLAGS = [
  "--target=wasm32-wasi",
  "-msimd128",
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
  "-Wl,--max-memory=4294967296",
];

/** Shared memory, so typed arrays over it survive memory.grow and workers can share it. */
const SHARED = {
  // Atomics in every object (wasm-ld refuses to mix), a shared memory, and each worker's instance
  // gets a stack of its own (src/backend/wasm/worker.ts sets __stack_pointer).
  compile: ["-matomics"],
  link: ["-Wl,--shared-memory", "-Wl,--export=__stack_pointer"],
};
/** Relaxed SIMD: the GEMM micro-kernels' multiply-adds become relaxed_madd (FMA where the CPU has it). */
const RELAXED = { compile: ["-mrelaxed-simd"], link: [] };

/**
 * The modules built, each from the same sources (src/backend/wasm/variants.ts picks one at load):
 * threads over shared memory or one thread over a plain memory (pages that are not cross-origin
 * isolated), each with SIMD128 only or relaxed SIMD too.
 */
export const VARIANTS = Object.fromEntries(
  [
    ["gradstack.wasm", [SHARED]],
    ["gradstack-relaxed.wasm", [SHARED, RELAXED]],
    ["gradstack-single.wasm", []],
    ["gradstack-relaxed-single.wasm", [RELAXED]],
  ].map(([file, parts]) => [
    file,
    { compileFlags: parts.flatMap((p) => p.compile), linkFlags: parts.flatMap((p) => p.link) },
  ]),
);

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
    variants: VARIANTS,
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

/** Runs `tasks` (functions returning promises) `jobs` at a time. */
async function inParallel(tasks, jobs) {
  const queue = [...tasks];
  await Promise.all(
    Array.from({ length: jobs }, async () => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) await next();
    }),
  );
}

/** Compiles and links every variant into `outDir`, with manifest.json; returns the modules' paths. */
export async function buildWasm(outDir, jobs = 2) {
  const objDir = mkdtempSync(path.join(tmpdir(), "gradstack-wasm-"));
  try {
    const units = wasmSources().filter((f) => f.endsWith(".cc"));
    const variants = Object.entries(VARIANTS);
    const objectsOf = (file) => units.map((f) => path.join(objDir, file, f.replace(/\.cc$/, ".o")));
    for (const [file] of variants) mkdirSync(path.join(objDir, file));
    await inParallel(
      variants.flatMap(([file, v]) =>
        units.map(
          (f, i) => () =>
            run(CLANG, [...COMPILE_FLAGS, ...v.compileFlags, "-c", `${SRC}/${f}`, "-o", objectsOf(file)[i]]),
        ),
      ),
      jobs,
    );
    mkdirSync(outDir, { recursive: true });
    const paths = variants.map(([file]) => path.join(outDir, file));
    await inParallel(
      variants.map(
        ([file, v], i) =>
          () =>
            run(CLANG, [...LINK_FLAGS, ...v.linkFlags, ...objectsOf(file), "-o", paths[i]]),
      ),
      jobs,
    );
    const wasm = Object.fromEntries(variants.map(([file], i) => [file, sha256(readFileSync(paths[i]))]));
    const manifest = { ...sourceManifest(), wasm };
    writeFileSync(path.join(outDir, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
    return paths;
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
  const built = await buildWasm(outDir);
  const sizes = built.map((f) => `${path.basename(f)} ${(readFileSync(f).length / 1024).toFixed(0)} KiB`);
  console.log(`gradstack: built ${sizes.join(", ")} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}
