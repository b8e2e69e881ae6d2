/**
 * `cpu-native`: the C++ kernels of `native/` (a Node-API addon), wrapped into the Backend interface.
 *
 * The addon works in place on the very typed arrays the tensors own (no copies). Numbers travel in
 * a Float64Array registered with the addon once (op codes, shapes, strides, matmul parameters), so
 * a kernel call is one N-API transition. How each kernel's arguments travel is declared once, in
 * native-kernels.ts; native-pack.ts makes every kernel's method from that table. Whenever the addon
 * declines a call (an element kind it lacks, e.g. int32 `exp` or a float64 fused kernel, or arguments
 * that would read out of bounds) it returns false and the call goes to `cpu-js`, which works on the
 * same arrays.
 *
 * Environment: GRADSTACK_NUM_THREADS (threads, default the core count), GRADSTACK_ISA=generic|avx2
 * (caps the instruction set, for testing), GRADSTACK_NATIVE_PATH (load the addon from elsewhere).
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { isMainThread } from "node:worker_threads";

import { cpuJs } from "./cpu-js.js";
import { NATIVE_KERNELS, type ArgKind } from "./native-kernels.js";
import { nativeMethod, type AddonKernel } from "./native-pack.js";
import { arenaStorage, type HostAlloc, type HostRelease } from "./native-host-storage.js";
import type { Backend, KernelName } from "./types.js";

/** What the compiled addon exports (see native/src/addon.cc): its kernels by name, and these. */
interface Addon {
  readonly abi: number;
  readonly threads: number;
  readonly gemmKernel: string;
  /** The instruction set the vectorised kernels were chosen for: "avx512", "avx2" or "generic". */
  readonly isa: string;
  setScratch(scratch: Float64Array): boolean;
  /** Memory for typed arrays, reused once V8 collects them (addon builds before it lack these). */
  hostAlloc?: HostAlloc;
  hostRelease?: HostRelease;
  /** [bytes in live ArrayBuffers, free bytes, blocks made, reused, returned, budget, released bytes]. */
  hostArenaStats?: () => number[];
  readonly [kernel: string]: unknown;
}

const ADDON_ABI = 4;

export type NativeBackend = Backend & { name: "cpu-native" };

/** Where the addon was loaded from and which GEMM micro-kernels it picked for this CPU. */
export interface NativeInfo {
  path: string;
  threads: number;
  gemmKernel: string;
  isa: string;
}

let cached: { backend: NativeBackend; info: NativeInfo; addon: Addon } | { error: string } | undefined;

/**
 * Loads the addon (once) and returns the native backend (its kernels over cpu-js's), or why it cannot
 * load. Never throws. The one place the addon is loaded.
 */
export function loadNative(): { backend: NativeBackend } | { error: string } {
  if (cached === undefined) {
    try {
      cached = load();
    } catch (e) {
      cached = { error: e instanceof Error ? e.message : String(e) };
    }
  }
  return "error" in cached ? { error: cached.error } : { backend: cached.backend };
}

/** Details of the loaded addon, or null when it did not load. */
export function nativeInfo(): NativeInfo | null {
  loadNative();
  return cached !== undefined && "info" in cached ? cached.info : null;
}

/** What the native arena holds now (native/src/host_arena.cc), for tests and profiles. */
export interface ArenaStats {
  /** Bytes in ArrayBuffers handed out, live or collected but not yet swept. */
  liveBytes: number;
  /** Bytes in blocks waiting for reuse. */
  freeBytes: number;
  made: number;
  reused: number;
  /** Blocks that came back: after V8 collected their ArrayBuffer, or through `release`. */
  returned: number;
  budgetBytes: number;
  /** Bytes given back through `release` (the autograd engine's temporaries) so far. */
  releasedBytes: number;
}

/** The native arena's state, or null when the addon (or its arena) is not loaded. */
export function nativeArenaStats(): ArenaStats | null {
  const stats = cached !== undefined && "addon" in cached ? cached.addon.hostArenaStats : undefined;
  if (stats === undefined) return null;
  const [liveBytes, freeBytes, made, reused, returned, budgetBytes, releasedBytes] = stats();
  return { liveBytes, freeBytes, made, reused, returned, budgetBytes, releasedBytes };
}

/** The folder holding gradstack's package.json: compiled files live in dist/backend/ or build/src/backend/. */
export function packageRoot(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, "utf8")) as { name?: string }).name === "gradstack") return dir;
      } catch {
        // not ours; keep looking
      }
    }
    const up = dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

function load(): { backend: NativeBackend; info: NativeInfo; addon: Addon } | { error: string } {
  if (typeof process === "undefined" || !process.versions?.node) return { error: "not running in Node.js" };
  if (!import.meta.url.startsWith("file:"))
    return { error: `cannot locate the addon from ${import.meta.url}` };
  const candidates: string[] = [];
  const override = process.env.GRADSTACK_NATIVE_PATH;
  if (override) candidates.push(override);
  const root = packageRoot();
  if (root !== null) {
    candidates.push(join(root, "native", "build", "Release", "gradstack_native.node"));
    candidates.push(join(root, "native", "build", "Debug", "gradstack_native.node"));
  }
  const path = candidates.find((p) => existsSync(p));
  if (path === undefined)
    return {
      error:
        root === null
          ? "cannot find gradstack's package.json to locate the addon"
          : `the addon is not built (no ${candidates[candidates.length - 2]}; run \`node scripts/build-native.mjs\`)`,
    };
  const require = createRequire(import.meta.url);
  let addon: Addon;
  try {
    addon = require(path) as Addon;
  } catch (e) {
    return { error: `cannot load ${path}: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}` };
  }
  if (addon.abi !== ADDON_ABI)
    return { error: `${path} is a different build (abi ${addon.abi}, want ${ADDON_ABI})` };
  const backend = wrap(addon);
  if (backend === null) return { error: `${path} rejected its scratch buffer` };
  const info = { path, threads: addon.threads, gemmKernel: addon.gemmKernel, isa: addon.isa };
  return { backend, info, addon };
}

/** cpu-js with every kernel the addon has replaced by a call to it. */
function wrap(addon: Addon): NativeBackend | null {
  // Over 64 bytes, so V8 allocates it off-heap and its address never moves.
  const scratch = new Float64Array(1024);
  if (!addon.setScratch(scratch)) return null;
  const native: Partial<Record<KernelName, unknown>> = {};
  for (const [name, kinds] of Object.entries(NATIVE_KERNELS) as [KernelName, readonly ArgKind[]][]) {
    const fn = addon[name];
    if (typeof fn === "function") native[name] = nativeMethod(name, kinds, fn as AddonKernel, scratch, cpuJs);
  }
  const nativeKernels = Object.keys(native) as KernelName[];
  // The arena serves one isolate: the main thread's (a worker's blocks would stay its own).
  const { hostAlloc, hostRelease } = addon;
  const arena = isMainThread && hostAlloc !== undefined && hostRelease !== undefined;
  return {
    ...cpuJs,
    ...(arena ? arenaStorage(hostAlloc, hostRelease) : {}),
    ...(native as Partial<Backend>),
    name: "cpu-native",
    threads: addon.threads,
    isa: addon.isa,
    nativeKernels,
    preferComposition: [],
  };
}
