/**
 * "async-cpu": a real second device for tests. It runs the cpu-js kernels, but its storage is an
 * object the host cannot index (like a GPU buffer): reads are asynchronous, and every tensor and op
 * path that would touch device memory on the host fails. It exercises the code paths that a WebGPU
 * backend takes (allocation, upload, fill, kernels on backend-owned buffers, async readback).
 */
import { cpuJs } from "../../src/backend/cpu-js.js";
import { allocHost } from "../../src/backend/host-storage.js";
import type { Device, DeviceBuffer } from "../../src/backend/device.js";
import type { Backend, DType, Storage } from "../../src/backend/types.js";
import { dtypeOfStorage } from "../../src/tensor/dtype.js";

export const ASYNC_DEVICE: Device = "async-cpu";

/** A buffer of the async device: the typed array inside is reachable only by its backend. */
export class AsyncBuffer implements DeviceBuffer {
  readonly device = ASYNC_DEVICE;
  readonly dtype: DType;
  readonly #array: Storage;
  constructor(array: Storage) {
    this.#array = array;
    this.dtype = dtypeOfStorage(array);
  }
  get length(): number {
    return this.#array.length;
  }
  subarray(begin?: number, end?: number): AsyncBuffer {
    return new AsyncBuffer(this.#array.subarray(begin, end));
  }
  /** For the backend only. */
  static arrayOf(b: AsyncBuffer): Storage {
    return b.#array;
  }
}

const asStorage = (b: AsyncBuffer) => b as unknown as Storage;
const arrayOf = (s: Storage) => AsyncBuffer.arrayOf(s as unknown as AsyncBuffer);

/** A device buffer, or a list of storages holding one (adamSteps' lists). */
const holdsBuffer = (v: unknown): boolean =>
  v instanceof AsyncBuffer || (Array.isArray(v) && v.some((x) => x instanceof AsyncBuffer));

/** Kernel arguments with each device buffer replaced by its array (also inside views, arg records and lists). */
function unwrap(arg: unknown): unknown {
  if (arg instanceof AsyncBuffer) return AsyncBuffer.arrayOf(arg);
  if (Array.isArray(arg)) return holdsBuffer(arg) ? arg.map(unwrap) : arg;
  if (arg === null || typeof arg !== "object" || ArrayBuffer.isView(arg)) return arg;
  const fields = Object.entries(arg);
  if (!fields.some(([, v]) => holdsBuffer(v))) return arg;
  return Object.fromEntries(fields.map(([k, v]) => [k, unwrap(v)]));
}

const STORAGE_KEYS = new Set(["alloc", "allocUninit", "release", "upload", "fill", "read", "sync"]);

/** The async device's backend; `allocs` counts its allocations. */
export function makeAsyncBackend(): Backend & { allocs: number } {
  const kernels: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(cpuJs))
    if (typeof value === "function" && !STORAGE_KEYS.has(key)) {
      const fn = value as (...args: unknown[]) => unknown;
      kernels[key] = (...args: unknown[]) => fn(...args.map(unwrap));
    }
  const backend = {
    ...(kernels as unknown as Backend),
    name: "async-cpu",
    threads: 1,
    device: ASYNC_DEVICE,
    hostVisible: false,
    allocs: 0,
    alloc(dtype: DType, n: number): Storage {
      backend.allocs++;
      return asStorage(new AsyncBuffer(allocHost(dtype, n)));
    },
    upload: (host: Storage) => asStorage(new AsyncBuffer(host)),
    fill: (buf: Storage, value: number, begin: number, end: number) =>
      void arrayOf(buf).fill(value, begin, end),
    // Resolves on a later turn of the event loop, as a GPU readback does.
    read: (buf: Storage, begin: number, end: number) =>
      new Promise<Storage>((resolve) => setImmediate(() => resolve(arrayOf(buf).slice(begin, end)))),
    sync: () => new Promise<void>((resolve) => setImmediate(resolve)),
  };
  return backend;
}
