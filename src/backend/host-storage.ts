/**
 * Storage for the CPU backends: typed arrays that kernels index directly. Allocation takes an array
 * of the same size from the pool when one was released (host-pool.ts), else makes a zero-filled one.
 */
import type { DeviceStorage } from "./device.js";
import { releaseHost, takePooled } from "./host-pool.js";
import type { DType, Storage } from "./types.js";

/** A zero-filled typed array of n elements of `dtype` (bool is a Uint8Array of 0/1). */
export function allocHost(dtype: DType, n: number): Storage {
  switch (dtype) {
    case "float32":
      return new Float32Array(n);
    case "float64":
      return new Float64Array(n);
    case "int32":
      return new Int32Array(n);
    case "bool":
      return new Uint8Array(n);
  }
}

/** Bytes per element of each dtype's typed array. */
export const BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4, bool: 1 };

/** Node's allocator of uncleared memory, where there is one (not in browsers). */
const NodeBuffer = (globalThis as { Buffer?: { allocUnsafeSlow(size: number): Uint8Array } }).Buffer;
const unsafeBytes = NodeBuffer === undefined ? undefined : (size: number) => NodeBuffer.allocUnsafeSlow(size);

/** A typed array of `dtype` over the first n elements of `buffer`. */
export function hostView(dtype: DType, buffer: ArrayBufferLike, n: number): Storage {
  switch (dtype) {
    case "float32":
      return new Float32Array(buffer, 0, n);
    case "float64":
      return new Float64Array(buffer, 0, n);
    case "int32":
      return new Int32Array(buffer, 0, n);
    case "bool":
      return new Uint8Array(buffer, 0, n);
  }
}

/**
 * A typed array of n elements whose contents are unspecified: a pooled one if any, else new memory
 * that is not cleared where the platform allows it (clearing a fresh multi-megabyte array costs as
 * much as the kernel that then overwrites it).
 */
export function allocHostUninit(dtype: DType, n: number): Storage {
  const pooled = takePooled(dtype, n);
  if (pooled !== undefined) return pooled;
  if (unsafeBytes === undefined || n * BYTES[dtype] < 4096) return allocHost(dtype, n);
  return hostView(dtype, unsafeBytes(n * BYTES[dtype]).buffer, n);
}

export const hostStorage: DeviceStorage = {
  device: "cpu",
  hostVisible: true,
  alloc: (dtype, n) => {
    const pooled = takePooled(dtype, n);
    return pooled === undefined ? allocHost(dtype, n) : pooled.fill(0);
  },
  allocUninit: allocHostUninit,
  release: releaseHost,
  upload: (host) => host,
  fill: (buf, value, begin, end) => void buf.fill(value, begin, end),
  read: (buf, begin, end) => Promise.resolve(buf.slice(begin, end)),
  sync: () => Promise.resolve(),
};
