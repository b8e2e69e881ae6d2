/** Storage for the CPU backends: zero-filled typed arrays that kernels index directly. */
import type { DeviceStorage } from "./device.js";
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

export const hostStorage: DeviceStorage = {
  device: "cpu",
  hostVisible: true,
  alloc: allocHost,
  upload: (host) => host,
  fill: (buf, value, begin, end) => void buf.fill(value, begin, end),
  read: (buf, begin, end) => Promise.resolve(buf.slice(begin, end)),
  sync: () => Promise.resolve(),
};
