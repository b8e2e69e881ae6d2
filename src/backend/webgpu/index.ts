/**
 * `gs.webgpu`: the WebGPU device. `await gs.webgpu.init()` finds a GPU (navigator.gpu in browsers,
 * the optional `webgpu` package in Node), registers the device "webgpu", and from then on tensors
 * can live there: `gs.zeros([2, 3], { device: "webgpu" })`, `await t.toAsync("webgpu")`.
 * @example
 * await gs.webgpu.init();
 * const x = gs.randn([64, 64]).to("webgpu");
 * console.log(await x.matmul(x).sum().itemAsync());
 */
/// <reference types="@webgpu/types" />
import { registerDevice } from "../devices.js";
import { makeWebGpuBackend, type WebGpuBackend } from "./backend.js";
import { WEBGPU_DEVICE } from "./buffer.js";
import { nodeGpu } from "./node-gpu.js";
import type { MatmulKernel } from "./context.js";
import type { GpuMemory } from "./pool.js";
import { checkKnownKeys } from "../../util/options.js";

export type { GpuMemory, MatmulKernel };

export interface WebGpuInitOptions {
  /** A GPU object to use instead of navigator.gpu or Dawn (e.g. one created with other Dawn flags). */
  gpu?: GPU;
  /** Dawn flags for Node, e.g. ["backend=vulkan"]. */
  dawnFlags?: string[];
  powerPreference?: GPUPowerPreference;
  /** The register-blocked matmul's variant (default "tiled"; "subgroups" needs the adapter's feature). */
  matmulKernel?: MatmulKernel;
}

/** What `init` found. */
export interface WebGpuInfo {
  device: string;
  vendor: string;
  architecture: string;
  description: string;
}

// `gpu` stays referenced: Dawn for Node stops resolving a device's promises once its GPU object is collected.
let active: { gpu: GPU; backend: WebGpuBackend; info: WebGpuInfo } | null = null;

/** Finds a GPU and registers the "webgpu" device (once; later calls return the same info). */
export async function init(options: WebGpuInitOptions = {}): Promise<WebGpuInfo> {
  checkKnownKeys("webgpu.init", options, ["gpu", "dawnFlags", "powerPreference", "matmulKernel"]);
  if (active !== null) return active.info;
  const navigatorGpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  const gpu = options.gpu ?? navigatorGpu ?? (await nodeGpu(options.dawnFlags));
  const adapter = await gpu.requestAdapter({
    powerPreference: options.powerPreference ?? "high-performance",
  });
  if (adapter === null) throw new Error("webgpu.init: no WebGPU adapter was found");
  const L = adapter.limits;
  const device = await adapter.requestDevice({
    // Subgroups are asked for where they exist; only the matmul's "subgroups" variant uses them.
    requiredFeatures: adapter.features.has("subgroups") ? ["subgroups"] : [],
    requiredLimits: {
      maxStorageBufferBindingSize: L.maxStorageBufferBindingSize,
      maxBufferSize: L.maxBufferSize,
      maxStorageBuffersPerShaderStage: L.maxStorageBuffersPerShaderStage,
    },
  });
  const backend = makeWebGpuBackend(device);
  backend.context.setMatmulKernel(options.matmulKernel ?? "tiled");
  registerDevice(backend);
  const i = adapter.info;
  active = {
    gpu,
    backend,
    info: {
      device: WEBGPU_DEVICE,
      vendor: i.vendor,
      architecture: i.architecture,
      description: i.description,
    },
  };
  return active.info;
}

/** True once `init` has registered the device. */
export function isAvailable(): boolean {
  return active !== null;
}

/** GPU memory of the device: bytes held by tensors now (`live`) and kept in the pool (`pooled`). */
export function memory(): GpuMemory {
  if (active === null) throw new Error("webgpu.memory: call `await gs.webgpu.init()` first");
  return active.backend.context.pool.memory();
}

/**
 * Chooses the register-blocked matmul's variant: "tiled" (the default) or "subgroups" (quad broadcasts;
 * falls back to "tiled" where the device lacks subgroups). Returns the variant in use.
 */
export function setMatmulKernel(kernel: MatmulKernel): MatmulKernel {
  if (active === null) throw new Error("webgpu.setMatmulKernel: call `await gs.webgpu.init()` first");
  return active.backend.context.setMatmulKernel(kernel);
}

/** Frees the pooled (unused) buffers. */
export function trim(): void {
  active?.backend.context.trim();
}
