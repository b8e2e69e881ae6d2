/**
 * `cpu-native`: the C++ kernels of `native/` (a Node-API addon), wrapped into the Backend interface.
 *
 * The addon works in place on the very typed arrays the tensors own (no copies). Numbers travel in
 * a Float64Array registered with the addon once (op codes, shapes, strides, matmul parameters), so
 * a kernel call is one N-API transition. How each kernel's arguments travel is declared once, in
 * native-kernels.ts; one generic wrapper below packs every call from that table. Whenever the addon
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

import { cpuJs } from "./cpu-js.js";
import { NATIVE_KERNELS, type ArgKind } from "./native-kernels.js";
import type { Backend, KernelName, Storage, View } from "./types.js";

/** A kernel as the addon exports it: storages as arguments, numbers in the scratch; false = declined. */
type AddonKernel = (...storages: (Storage | null)[]) => boolean;

/** What the compiled addon exports (see native/src/addon.cc): its kernels by name, and these. */
interface Addon {
  readonly abi: number;
  readonly threads: number;
  readonly gemmKernel: string;
  /** The instruction set the vectorised kernels were chosen for: "avx512", "avx2" or "generic". */
  readonly isa: string;
  setScratch(scratch: Float64Array): boolean;
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

let cached: { backend: NativeBackend; info: NativeInfo } | { error: string } | undefined;

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

/** The folder holding gradstack's package.json: compiled files live in dist/backend/ or build/src/backend/. */
function packageRoot(): string | null {
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

function load(): { backend: NativeBackend; info: NativeInfo } | { error: string } {
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
  return { backend, info: { path, threads: addon.threads, gemmKernel: addon.gemmKernel, isa: addon.isa } };
}

/** cpu-js with every kernel the addon has replaced by a call to it. */
function wrap(addon: Addon): NativeBackend | null {
  // Over 64 bytes, so V8 allocates it off-heap and its address never moves.
  const scratch = new Float64Array(1024);
  if (!addon.setScratch(scratch)) return null;
  const packer = new Packer(scratch);
  const native: Partial<Record<KernelName, unknown>> = {};
  for (const [name, kinds] of Object.entries(NATIVE_KERNELS) as [KernelName, readonly ArgKind[]][]) {
    const fn = addon[name];
    if (typeof fn === "function") native[name] = nativeKernel(name, kinds, fn as AddonKernel, packer);
  }
  const nativeKernels = Object.keys(native) as KernelName[];
  return {
    ...cpuJs,
    ...(native as Partial<Backend>),
    name: "cpu-native",
    threads: addon.threads,
    isa: addon.isa,
    nativeKernels,
    preferComposition: [],
  };
}

/** At most this many arguments per kernel (layerNormBackward, causalAttentionBackward). */
const MAX_ARGS = 10;

/**
 * One Backend kernel over an addon kernel: pack the arguments as `kinds` says, call the addon, and run
 * cpu-js's kernel on the same arrays when the addon declines. Fixed parameters instead of `...args`,
 * so a call allocates nothing.
 */
function nativeKernel(name: KernelName, kinds: readonly ArgKind[], fn: AddonKernel, p: Packer): unknown {
  if (kinds.length > MAX_ARGS) throw new Error(`native kernel ${name}: more than ${MAX_ARGS} arguments`);
  const fallback = cpuJs as unknown as Record<KernelName, (...a: unknown[]) => void>;
  return function (
    a0: unknown,
    a1: unknown,
    a2: unknown,
    a3: unknown,
    a4: unknown,
    a5: unknown,
    a6: unknown,
    a7: unknown,
    a8: unknown,
    a9: unknown,
  ) {
    const s = p.storages;
    const ok =
      p.pack(kinds, a0, a1, a2, a3, a4, a5, a6, a7, a8, a9) &&
      fn(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9], s[10]);
    p.release();
    // Looked up at call time, so a test may spy on cpu-js's kernels.
    if (!ok) fallback[name](a0, a1, a2, a3, a4, a5, a6, a7, a8, a9);
  };
}

/** Writes a call's numbers to the scratch and collects its storages, following a kernel's ArgKinds. */
class Packer {
  /** The storages of the call being packed, in order (null where absent). */
  readonly storages: (Storage | null)[] = new Array<Storage | null>(12).fill(null);
  private count = 0;
  private at = 0;
  /** Views waiting for the shape that follows them. */
  private readonly views: (View | null)[] = [null, null, null];
  private viewCount = 0;
  private readonly args: unknown[] = new Array<unknown>(MAX_ARGS).fill(undefined);

  constructor(private readonly scratch: Float64Array) {}

  /** False when the call cannot be packed (a view with too many dims): cpu-js runs it then. */
  pack(
    kinds: readonly ArgKind[],
    a0: unknown,
    a1: unknown,
    a2: unknown,
    a3: unknown,
    a4: unknown,
    a5: unknown,
    a6: unknown,
    a7: unknown,
    a8: unknown,
    a9: unknown,
  ): boolean {
    const args = this.args;
    args[0] = a0;
    args[1] = a1;
    args[2] = a2;
    args[3] = a3;
    args[4] = a4;
    args[5] = a5;
    args[6] = a6;
    args[7] = a7;
    args[8] = a8;
    args[9] = a9;
    this.count = 0;
    this.at = 0;
    this.viewCount = 0;
    let ok = true;
    for (let i = 0; i < kinds.length && ok; i++) ok = this.put(kinds[i], args[i]);
    args.fill(undefined);
    return ok;
  }

  /** Drops the references to the last call's arrays, so they can be collected. */
  release(): void {
    const s = this.storages;
    for (let i = 0; i < this.count; i++) s[i] = null;
    for (let i = 0; i < this.viewCount; i++) this.views[i] = null;
  }

  private put(kind: ArgKind, value: unknown): boolean {
    const S = this.scratch;
    switch (kind) {
      case "array":
        this.storages[this.count++] = value as Storage | null;
        return true;
      case "num":
        S[this.at++] = value as number;
        return true;
      case "flag":
        S[this.at++] = value ? 1 : 0;
        return true;
      case "view":
        this.storages[this.count++] = (value as View).data;
        this.views[this.viewCount++] = value as View;
        return true;
      case "shape":
        return this.shape(value as readonly number[]);
    }
    if ("code" in kind) {
      S[this.at++] = kind.code[value as string] ?? -1;
      return true;
    }
    const obj = value as Record<string, unknown>;
    const fields = kind.fields;
    for (let f = 0; f < fields.length; f++) if (!this.put(fields[f][1], obj[fields[f][0]])) return false;
    return true;
  }

  /** nd, shape, then offset and strides of each pending view. */
  private shape(shape: readonly number[]): boolean {
    const S = this.scratch;
    const nd = shape.length;
    if (nd > MAX_DIMS || this.at + 1 + nd + this.viewCount * (1 + nd) > S.length) return false;
    let i = this.at;
    S[i++] = nd;
    for (let d = 0; d < nd; d++) S[i++] = shape[d];
    for (let v = 0; v < this.viewCount; v++) {
      const view = this.views[v]!;
      S[i++] = view.offset;
      const s = view.strides;
      for (let d = 0; d < nd; d++) S[i++] = s[d];
    }
    this.at = i;
    return true;
  }
}

/** Dims a view may have (native/src/iter.h collapses them to at most 16 afterwards). */
const MAX_DIMS = 64;
