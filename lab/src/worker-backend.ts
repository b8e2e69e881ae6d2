/**
 * The training worker's backends, by the library's one call, `gs.init()`: WebGPU on a hardware adapter,
 * the WebAssembly backend for the CPU, else cpu-js. `?backend=js|wasm|webgpu` on the page's URL (the page
 * passes its query string as the worker's name) forces a choice; one that cannot start leaves the
 * default order, with the reason on the console. The status line shows the result.
 */
import * as gs from "gradstack";
import wasmUrl from "../../wasm/gradstack.wasm?url";

export type BackendChoice = "js" | "wasm" | "webgpu";

/** The override in a query string such as "?backend=wasm", or null. */
export function backendOverride(query: string): BackendChoice | null {
  const name = new URLSearchParams(query).get("backend");
  return name === "js" || name === "wasm" || name === "webgpu" ? name : null;
}

/**
 * Starts the chosen backends (the data, and the pages whose task is not device-ready, run on the CPU
 * one); resolves to whether the "webgpu" device is ready for the task's model.
 */
export async function chooseBackend(query: string): Promise<boolean> {
  const wasm = { module: wasmUrl };
  const override = backendOverride(query);
  try {
    return (await gs.init({ backend: override ?? undefined, wasm })).device === "webgpu";
  } catch (e) {
    console.warn(`gradstack lab: ?backend=${override} did not start, using the default order: ${String(e)}`);
    return (await gs.init({ wasm })).device === "webgpu";
  }
}
