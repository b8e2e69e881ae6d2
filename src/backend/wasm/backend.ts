/**
 * The `wasm` backend: cpu-js with every kernel of the native kernel table (native-kernels.ts) run by
 * wasm/gradstack.wasm, the same C++ as the addon compiled to WebAssembly SIMD128. Its storages are
 * typed arrays over the module's memory (heap.ts), so a kernel call passes addresses: each storage's
 * address, length and element kind go to the module's slots, the numbers to its scratch (packed by
 * native-pack.ts, exactly as for the addon), and one call runs the kernel. A call the module declines
 * (an element kind or shape it lacks) runs cpu-js's kernel on the same arrays.
 */
import { cpuJs } from "../cpu-js.js";
import { dtypeOfHost } from "../host-pool.js";
import { NATIVE_KERNELS, takesStorageList, type ArgKind } from "../native-kernels.js";
import { nativeMethod, type AddonKernel } from "../native-pack.js";
import type { Backend, KernelName, Storage } from "../types.js";
import { WasmHeap } from "./heap.js";
import { readCString, type WasmInstance } from "./instance.js";
import { Staging } from "./staging.js";
import { WRITTEN_STORAGES } from "./written.js";

export type WasmBackend = Backend & { name: "wasm" };

/** native/src/common.h's element kinds. */
const NONE = -2;
const BAD = -1;

function kindOf(a: Storage): number {
  if (a instanceof Float32Array) return 0;
  if (a instanceof Float64Array) return 1;
  if (a instanceof Int32Array) return 2;
  if (a instanceof Uint8Array) return 3;
  return BAD;
}

/** Whether fill(value, begin, end) clears whole elements to +0 over plain in-range indices (no negative or fractional ones). */
function isZeroRange(buf: Storage, value: number, begin = 0, end = buf.length): boolean {
  return (
    value === 0 &&
    !Object.is(value, -0) &&
    Number.isInteger(begin) &&
    Number.isInteger(end) &&
    begin >= 0 &&
    begin <= end &&
    end <= buf.length
  );
}

/** What the loaded module reports about itself. */
export interface WasmModuleInfo {
  gemmKernel: string;
  isa: string;
  threads: number;
}

export function makeWasmBackend(wasm: WasmInstance): {
  backend: WasmBackend;
  heap: WasmHeap;
  info: WasmModuleInfo;
} {
  const { exports: ex, memory } = wasm;
  const heap = new WasmHeap(wasm);
  const slots = new Uint32Array(memory.buffer, ex.gs_slots(), 3 * ex.gs_max_storages());
  const scratch = new Float64Array(memory.buffer, ex.gs_scratch(), ex.gs_scratch_len());

  /**
   * The module's entry for kernel `index`: storages into the slots, then one call (of a list kernel:
   * all of them). `written`: the positions of the storages it writes (undefined: any of them).
   */
  const entry =
    (index: number, list: boolean, written: readonly number[] | undefined): AddonKernel =>
    (...arrs: unknown[]) => {
      if (arrs.length > slots.length / 3) return false;
      const call = () => (list ? ex.gs_call_list(index, arrs.length) : ex.gs_call(index)) === 1;
      let staging: Staging | null = null;
      for (let i = 0; i < arrs.length; i++) {
        const a = arrs[i] as Storage | null | undefined;
        const o = 3 * i;
        if (a == null) {
          slots[o] = 0;
          slots[o + 1] = 0;
          slots[o + 2] = NONE;
          continue;
        }
        let ptr: number;
        if (heap.owns(a)) ptr = a.byteOffset;
        else {
          staging ??= new Staging(heap);
          ptr = staging.pointer(a, written === undefined || written.includes(i));
        }
        slots[o] = ptr;
        slots[o + 1] = a.length;
        slots[o + 2] = kindOf(a);
      }
      if (staging === null) return call();
      const ran = staging.ok && call();
      staging.finish();
      return ran;
    };

  const indexOf = new Map<string, number>();
  for (let i = 0; i < ex.gs_kernel_count(); i++) indexOf.set(readCString(memory, ex.gs_kernel_name(i)), i);
  const kernels: Partial<Record<KernelName, unknown>> = {};
  for (const [name, kinds] of Object.entries(NATIVE_KERNELS) as [KernelName, readonly ArgKind[]][]) {
    const index = indexOf.get(name);
    if (index === undefined) throw new Error(`wasm backend: the module has no kernel "${name}" (rebuild it)`);
    kernels[name] = nativeMethod(
      name,
      kinds,
      entry(index, takesStorageList(kinds), WRITTEN_STORAGES[name]),
      scratch,
      cpuJs,
    );
  }
  const info: WasmModuleInfo = {
    gemmKernel: readCString(memory, ex.gs_gemm_kernel()),
    isa: readCString(memory, ex.gs_isa()),
    threads: ex.gs_threads(),
  };
  const backend: WasmBackend = {
    ...cpuJs,
    ...(kernels as Partial<Backend>),
    name: "wasm",
    threads: info.threads,
    isa: info.isa,
    nativeKernels: Object.keys(kernels) as KernelName[],
    preferComposition: [],
    device: "cpu",
    hostVisible: true,
    alloc: (dtype, n) => heap.alloc(dtype, n),
    allocUninit: (dtype, n) => heap.alloc(dtype, n, true),
    release: (buf) => heap.release(buf),
    upload: (host) => {
      if (heap.owns(host)) return host;
      const copy = heap.alloc(dtypeOfHost(host) ?? "bool", host.length, true);
      (copy as Uint8Array).set(host as Uint8Array);
      return copy;
    },
    fill: (buf, value, begin, end) => {
      if (isZeroRange(buf, value, begin, end) && heap.owns(buf)) heap.zero(buf, begin, end);
      else buf.fill(value, begin, end);
    },
    read: (buf, begin, end) => Promise.resolve(buf.slice(begin, end)),
    sync: () => Promise.resolve(),
  };
  return { backend, heap, info };
}
