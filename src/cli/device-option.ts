/**
 * `--device` (nanoGPT's name) of the training and sampling commands: "cpu" runs on the backend
 * GRADSTACK_BACKEND chose, "webgpu" on a GPU through WebGPU (Dawn in Node), found before the run starts.
 */
import type { OptionRule } from "./option-rules.js";

export const DEVICES = ["cpu", "webgpu"] as const;

export const DEVICE_RULE: OptionRule = { oneOf: DEVICES };

export const DEVICE_HELP =
  '"cpu" (the backend GRADSTACK_BACKEND chose) or "webgpu" (a GPU through WebGPU; docs/webgpu.md)';

/** Makes `device` ready: "webgpu" finds the GPU (loaded only when asked for). */
export async function openDevice(device: string): Promise<void> {
  if (device !== "webgpu") return;
  const { init } = await import("../backend/webgpu/index.js");
  await init();
}
