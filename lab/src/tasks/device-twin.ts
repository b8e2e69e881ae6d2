/**
 * How a task trains on WebGPU, the same on every page: the model and each batch live on the device, a
 * step returns its loss as a tensor there (the worker reads the losses of several steps in one
 * readback, as the CLI reads once per log interval), and the views are drawn on a CPU twin refreshed
 * once per redraw: they read many small results (a sample is one forward per character), which on the
 * GPU would be one wait each. On the CPU the same code runs with the model itself as its own twin.
 */
import * as gs from "gradstack";

/** Where a task's model trains: the "webgpu" device, or the CPU backend (undefined). */
export type TaskDevice = "webgpu" | undefined;

/** A model placed where it trains, with what moves a batch there and what reads it back for the views. */
export interface Placed<M extends gs.nn.Module> {
  model: M;
  device: TaskDevice;
  /** `t` where the model trains (the same tensor on the CPU). */
  here(t: gs.Tensor): gs.Tensor;
  /** The model on the CPU for a view: itself, or its twin refreshed from the device (one wait in all). */
  onHost(): Promise<M>;
}

/**
 * Places `model` (built on the CPU, so that it starts as it would there) on `device`; `makeTwin` builds
 * another model of the same shape, the CPU copy the views read.
 */
export function place<M extends gs.nn.Module>(model: M, device: TaskDevice, makeTwin: () => M): Placed<M> {
  if (device === undefined) return { model, device, here: (t) => t, onHost: () => Promise.resolve(model) };
  const twin = makeTwin();
  model.to(device);
  return {
    model,
    device,
    here: (t) => t.to(device),
    async onHost() {
      await copyToTwin(model, twin);
      return twin;
    },
  };
}

/** Copies `trained`'s parameters and buffers (on the device) into `twin` (on the CPU): one wait in all. */
export async function copyToTwin(trained: gs.nn.Module, twin: gs.nn.Module): Promise<void> {
  const state = Object.entries(trained.stateDict());
  const values = await Promise.all(state.map(([, t]) => t.toAsync("cpu")));
  twin.loadStateDict(Object.fromEntries(state.map(([key], i) => [key, values[i]])));
}

/** The values of one-element `losses` on the device, in one readback. */
export async function readLosses(losses: readonly gs.Tensor[]): Promise<number[]> {
  if (losses.length === 0) return [];
  const flat = gs.noGrad(() => gs.cat(losses.map((l) => l.detach().reshape([1]).float())));
  return Array.from(await flat.data(), Number);
}
