/// <reference types="@webgpu/types" />
/** In browsers WebGPU is navigator.gpu: index.ts uses it before it would call this. */
export async function nodeGpu(): Promise<GPU> {
  throw new Error("webgpu.init: this browser has no navigator.gpu (WebGPU is not available)");
}
