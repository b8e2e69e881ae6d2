/**
 * Which backend serves each device. "cpu" is the active CPU backend (cpu-js or cpu-native, as
 * `setBackend` chose); other devices ("webgpu") register their backend here when they load.
 */
import { kernels } from "./index.js";
import type { Device } from "./device.js";
import type { Backend } from "./types.js";

const registered = new Map<Device, Backend>();

/** Makes `backend` serve tensors on `backend.device` (replacing a backend registered there before). */
export function registerDevice(backend: Backend): void {
  if (backend.device === "cpu")
    throw new Error('registerDevice: "cpu" is served by the active CPU backend; use setBackend');
  registered.set(backend.device, backend);
}

/** Removes a device registered with registerDevice (its tensors can no longer run ops). */
export function unregisterDevice(device: Device): void {
  registered.delete(device);
}

/** The devices tensors can live on now: "cpu" first, then the registered ones. */
export function devices(): Device[] {
  return ["cpu", ...registered.keys()];
}

/** The backend of `device`; an unknown device is an error naming the op and the devices available. */
export function deviceBackend(device: Device, op: string): Backend {
  if (device === "cpu") return kernels();
  const b = registered.get(device);
  if (b === undefined)
    throw new Error(
      `${op}: unknown device ${JSON.stringify(device)}; available devices: ${devices().join(", ")}`,
    );
  return b;
}
