/**
 * Chooses the active backend: the native addon when it loaded, else `cpu-js`.
 * `GRADSTACK_BACKEND=js|native|wasm` forces a choice (wasm: the same kernels compiled to WebAssembly,
 * `backend/wasm/`); `webgpu` is refused with the way to use it (see
 * `webgpuNotABackend`). The native backend is cpu-js with the kernels the
 * addon has replaced (`nativeKernels`); they work on the same typed arrays, so mixing costs no copy.
 */
import { cpuJs } from "./cpu-js.js";
// Browser bundles get native.browser.ts here instead (package.json's "browser" map): no addon to load.
import { loadNative } from "./native.js";
import { loadWasmSync } from "./wasm/load.js";
import type { Backend, BackendCapabilities } from "./types.js";
import { profiled, type Clock, type KernelProfile } from "./profile.js";

export type {
  Backend,
  BackendCapabilities,
  DType,
  KernelName,
  Storage,
  View,
  MatmulParams,
  UnaryOp,
  BinaryOp,
  ReduceOp,
} from "./types.js";
export { cpuJs };

let active: Backend | null = null;
let warned = false;

function envChoice(): string | undefined {
  return typeof process !== "undefined" ? process.env?.GRADSTACK_BACKEND : undefined;
}

/**
 * WebGPU finds its adapter asynchronously, so it cannot be chosen synchronously as the process-wide
 * backend; it is a device that tensors move to. Silently computing on the CPU instead would mislead.
 */
function webgpuNotABackend(how: string): Error {
  return new Error(
    `${how}: WebGPU initialises asynchronously, so it is a device, not a backend to switch to; ` +
      `call \`await gs.webgpu.init()\`, then move tensors and models there with \`t.to("webgpu")\` ` +
      `(\`model.to("webgpu")\`); the CPU backend stays "js" or "native"`,
  );
}

function choose(want: string | undefined, how: string): Backend {
  if (want === "webgpu") throw webgpuNotABackend(how);
  if (want === "js" || want === "cpu-js") return cpuJs;
  if (want === "wasm") {
    try {
      return loadWasmSync().backend;
    } catch (e) {
      throw new Error(`the wasm backend cannot load: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const native = loadNative();
  if ("backend" in native) return native.backend;
  if (want === "native" || want === "cpu-native")
    throw new Error(`GRADSTACK_BACKEND=native but the native backend cannot load: ${native.error}`);
  if (!warned) {
    warned = true;
    console.warn(`gradstack: using the cpu-js backend (native backend unavailable: ${native.error})`);
  }
  return cpuJs;
}

/** The kernels of the active backend (chosen on first use). */
export function kernels(): Backend {
  if (active === null) active = choose(envChoice(), "GRADSTACK_BACKEND=webgpu");
  return active;
}

/**
 * Which backend is active and what it offers: name, threads, instruction set, the kernels it runs
 * natively and the fused kernels it leaves to their composition.
 * @example gs.backend() // { name: "cpu-native", threads: 8, isa: "avx2", nativeKernels: ["unary", ...], ... }
 */
export function backend(): BackendCapabilities {
  const { name, threads, isa, nativeKernels, preferComposition } = kernels();
  return { name, threads, isa, nativeKernels, preferComposition };
}

/**
 * Switches backend: "js" (the TypeScript reference), "native" (throws if the addon cannot load) or
 * "wasm" (the native kernels in WebAssembly; in a browser, after `await gs.wasm.init()`).
 * "webgpu" throws, naming `await gs.webgpu.init()` and `t.to("webgpu")`: it is a device, not a backend.
 */
export function setBackend(name: "js" | "native" | "wasm"): void {
  active = choose(name, `setBackend("webgpu")`);
}

/**
 * Runs `fn` with every kernel call timed, and returns the time per kernel (e.g. "matmul",
 * "binary:add", "layerNorm") sorted by total time. Time outside kernels (the op and autograd layers)
 * is what remains of the wall time.
 * `clock` (default the wall clock) may be the process's CPU time, steadier on a loaded machine.
 * @example const { result, kernels } = gs.profileKernels(() => trainStep());
 */
export function profileKernels<T>(
  fn: () => T,
  clock: Clock = () => performance.now(),
): {
  result: T;
  kernels: [string, { calls: number; ms: number }][];
  wallMs: number;
} {
  const inner = kernels();
  const stats: KernelProfile = new Map();
  active = profiled(inner, stats, clock);
  const t0 = clock();
  try {
    const result = fn();
    return {
      result,
      kernels: [...stats.entries()].sort((a, b) => b[1].ms - a[1].ms),
      wallMs: clock() - t0,
    };
  } finally {
    active = inner;
  }
}
