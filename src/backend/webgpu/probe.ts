/**
 * Counts what the host asks of a GPUDevice while installed (for the host-cost benchmark and the test that
 * locks the dispatches of a GPT step): kernel dispatches, compute passes, command encoders, submits,
 * bind groups and buffers created, parameter uploads. It wraps the device's methods, so it measures any
 * build of the context the same way; `submit: false` drops the command buffers instead of submitting
 * them, so shapes far beyond a software GPU's speed can be recorded (nothing runs; reads are wrong).
 */
/// <reference types="@webgpu/types" />

export interface HostCalls {
  dispatches: number;
  passes: number;
  encoders: number;
  submits: number;
  bindGroups: number;
  buffers: number;
  uniformWrites: number;
}

export interface DeviceProbe {
  readonly calls: HostCalls;
  reset(): void;
  /** Puts the device's own methods back. */
  remove(): void;
}

const none = (): HostCalls => ({
  dispatches: 0,
  passes: 0,
  encoders: 0,
  submits: 0,
  bindGroups: 0,
  buffers: 0,
  uniformWrites: 0,
});

/** Replaces `obj[name]` with `wrap(original)`; returns the undo. */
function patch<T extends object, K extends keyof T>(obj: T, name: K, wrap: (orig: T[K]) => T[K]): () => void {
  const orig = obj[name];
  const own = Object.prototype.hasOwnProperty.call(obj, name);
  obj[name] = wrap((orig as (...a: unknown[]) => unknown).bind(obj) as T[K]);
  return () => {
    if (own) obj[name] = orig;
    else delete obj[name];
  };
}

export function probeDevice(
  device: GPUDevice,
  options: { count?: boolean; submit?: boolean } = {},
): DeviceProbe {
  const count = options.count ?? true;
  const submit = options.submit ?? true;
  const probe = { calls: none() };
  const c = () => probe.calls;
  const undo: (() => void)[] = [];
  undo.push(
    patch(device.queue, "submit", (orig) => (buffers) => {
      c().submits++;
      if (submit) orig(buffers);
    }),
  );
  if (count) {
    undo.push(
      patch(device.queue, "writeBuffer", (orig) => (...a: Parameters<GPUQueue["writeBuffer"]>) => {
        c().uniformWrites++;
        orig(...a);
      }),
      patch(device, "createBindGroup", (orig) => (d) => {
        c().bindGroups++;
        return orig(d);
      }),
      patch(device, "createBuffer", (orig) => (d) => {
        c().buffers++;
        return orig(d);
      }),
      patch(device, "createCommandEncoder", (orig) => (d) => {
        c().encoders++;
        const enc = orig(d);
        patch(enc, "beginComputePass", (begin) => (pd) => {
          c().passes++;
          const pass = begin(pd);
          patch(pass, "dispatchWorkgroups", (dispatch) => (x, y, z) => {
            c().dispatches++;
            dispatch(x, y, z);
          });
          return pass;
        });
        return enc;
      }),
    );
  }
  return {
    get calls() {
      return probe.calls;
    },
    reset: () => void (probe.calls = none()),
    remove: () => undo.reverse().forEach((u) => u()),
  };
}
