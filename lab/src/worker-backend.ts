/**
 * The training worker's backends, by the library's one call, `gs.init()`: WebGPU on a hardware adapter,
 * the WebAssembly backend for the CPU (threads where the page is cross-origin isolated, as the lab's
 * server makes it; else the single-thread module), else cpu-js. `?backend=js|wasm|webgpu` on the page's URL (the page
 * passes its query string as the worker's name) forces a choice; one that cannot start leaves the
 * default order, with the reason on the console. The status line shows the result.
 */
import * as gs from "gradstack";

/**
 * The package's modules, served at the site's wasm/ (`gradstack lab` and Vite's dev server serve the
 * package's wasm/ there; the built site carries no copies). This worker runs from the site's assets/
 * (or src/ under the dev server), one level below.
 */
function wasmModules(): gs.wasm.WasmSources {
  return Object.fromEntries(
    gs.wasm.WASM_FILES.map((file) => [file, new URL(`../wasm/${file}`, self.location.href).href]),
  );
}

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
  const wasm = { module: wasmModules() };
  const override = backendOverride(query);
  try {
    return (await gs.init({ backend: override ?? undefined, wasm })).device === "webgpu";
  } catch (e) {
    console.warn(`gradstack lab: ?backend=${override} did not start, using the default order: ${String(e)}`);
    return (await gs.init({ wasm })).device === "webgpu";
  }
}
