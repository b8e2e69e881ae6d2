/**
 * The storage of the webgpu device: a GPUBuffer (or a range of one) that the host cannot index. It
 * travels through the kernel interface typed as `Storage`; `gpuBufferOf` turns it back.
 */
/// <reference types="@webgpu/types" />
import type { DeviceBuffer } from "../device.js";
import type { DType, Storage } from "../types.js";

export const WEBGPU_DEVICE = "webgpu";

/** Elements of `length` starting at element `offset` of `gpu`. Views keep their root alive. */
export class GpuBuffer implements DeviceBuffer {
  readonly device = WEBGPU_DEVICE;
  constructor(
    readonly gpu: GPUBuffer,
    readonly dtype: DType,
    readonly offset: number,
    readonly length: number,
    /** The buffer `alloc` returned (a FinalizationRegistry watches it); views hold it so it outlives them. */
    readonly root: GpuBuffer | null = null,
  ) {}

  subarray(begin = 0, end = this.length): GpuBuffer {
    const b = begin < 0 ? Math.max(0, this.length + begin) : Math.min(begin, this.length);
    const e = end < 0 ? Math.max(0, this.length + end) : Math.min(end, this.length);
    return new GpuBuffer(this.gpu, this.dtype, this.offset + b, Math.max(0, e - b), this.root ?? this);
  }
}

/** The GpuBuffer behind a storage handed to a webgpu kernel; anything else is a caller's bug. */
export function gpuBufferOf(s: Storage | null | undefined, kernel: string): GpuBuffer {
  if (s instanceof GpuBuffer) return s;
  throw new Error(`webgpu ${kernel}: expected a webgpu buffer, got ${s === null ? "null" : typeof s}`);
}

/** The WGSL element type a dtype is stored as (bool as one u32 per element: WGSL has no 8-bit storage). */
export function wgslType(dtype: DType): "f32" | "i32" | "u32" {
  switch (dtype) {
    case "float32":
      return "f32";
    case "int32":
      return "i32";
    case "bool":
      return "u32";
    case "float64":
      throw new Error("webgpu: float64 is not supported (WebGPU computes in float32); use float32");
  }
}
