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

/** A typed array of n elements whose contents are unspecified: a pooled one if any, else a new one. */
export function allocHostUninit(dtype: DType, n: number): Storage {
  return takePooled(dtype, n) ?? allocHost(dtype, n);
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
