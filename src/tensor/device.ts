/**
 * Devices on the tensor side: which device a storage lives on, the backend that runs a tensor's
 * kernels, and the errors for unknown devices, mixed devices and synchronous reads of device memory.
 */
import { deviceBackend } from "../backend/devices.js";
import type { Device, DeviceBuffer } from "../backend/device.js";
import type { Backend, Storage } from "../backend/types.js";

export type { Device };

/** Typed arrays live on "cpu"; a device's own buffers say where they live. */
export function deviceOfStorage(s: Storage): Device {
  return ArrayBuffer.isView(s) ? "cpu" : (s as unknown as DeviceBuffer).device;
}

/** `device` if tensors can live there now, else an error naming the op and the devices available. */
export function checkDevice(device: unknown, op: string): Device {
  if (typeof device !== "string")
    throw new TypeError(`${op}: a device is a string such as "cpu", got ${typeof device}`);
  deviceBackend(device, op);
  return device;
}

/** The backend that runs the kernels of tensors on `device`. */
export function backendFor(device: Device): Backend {
  return deviceBackend(device, "kernels");
}

/** The backend that runs the kernels of this tensor. */
export function backendOf(t: { readonly device: Device }): Backend {
  return deviceBackend(t.device, "kernels");
}

/** The device all `tensors` share; tensors on two devices are an error naming the op and both. */
export function sameDevice(op: string, tensors: readonly { readonly device: Device }[]): Device {
  const first = tensors.length > 0 ? tensors[0].device : "cpu";
  for (let i = 1; i < tensors.length; i++)
    if (tensors[i].device !== first)
      throw new Error(
        `${op}: expected all tensors on the same device, got ${first} and ${tensors[i].device}`,
      );
  return first;
}

/**
 * The storage as a typed array the host reads and writes directly, for synchronous reads and for
 * code that runs only on CPU backends. On a device whose memory the host cannot address it is an
 * error naming the op and the device, and the async form to use when there is one ("await t.data()").
 */
export function hostData(
  t: { readonly device: Device; readonly storage: Storage },
  op: string,
  asyncForm?: string,
): Storage {
  if (t.device === "cpu" || backendOf(t).hostVisible) return t.storage;
  const instead = asyncForm === undefined ? `${op} runs on CPU backends only` : `use ${asyncForm}`;
  throw new Error(
    `${op}: the tensor is on device ${t.device}, which cannot be read synchronously; ${instead}`,
  );
}

/**
 * A device by name, checked: `gs.device("webgpu")` throws, naming the devices available, when no
 * backend serves it.
 * @example const x = gs.zeros([2, 3], { device: gs.device("cpu") });
 */
export function device(name: Device): Device {
  return checkDevice(name, "device");
}
