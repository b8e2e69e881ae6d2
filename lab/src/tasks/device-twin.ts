/**
 * The views of a model that trains on WebGPU are drawn on a CPU copy: they read many small results
 * (a sample is one forward per character), which on the GPU would be one wait each.
 */
import type * as gs from "gradstack";

/** Copies `trained`'s parameters and buffers (on the device) into `twin` (on the CPU): one wait in all. */
export async function copyToTwin(trained: gs.nn.Module, twin: gs.nn.Module): Promise<void> {
  const state = Object.entries(trained.stateDict());
  const values = await Promise.all(state.map(([, t]) => t.toAsync("cpu")));
  twin.loadStateDict(Object.fromEntries(state.map(([key], i) => [key, values[i]])));
}
