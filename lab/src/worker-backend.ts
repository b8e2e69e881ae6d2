/**
 * The training worker's choice of kernel backend: `?backend=js|wasm` on the page's URL (the page passes
 * its query string as the worker's name), else the WebAssembly backend where the page is cross-origin
 * isolated (the lab's server sends COOP/COEP; shared memory needs it), else cpu-js. The status line
 * shows the result (`gs.backend().name`).
 */
import * as gs from "gradstack";
import wasmUrl from "../../wasm/gradstack.wasm?url";

export type BackendChoice = "js" | "wasm";

/** The override in a query string such as "?backend=wasm", or null. */
export function backendOverride(query: string): BackendChoice | null {
  const name = new URLSearchParams(query).get("backend");
  return name === "js" || name === "wasm" ? name : null;
}

/** Makes the chosen backend active; a wasm that cannot load leaves cpu-js, with the reason on the console. */
export async function chooseBackend(query: string): Promise<void> {
  const wanted = backendOverride(query) ?? (self.crossOriginIsolated ? "wasm" : "js");
  if (wanted === "js") return gs.setBackend("js");
  try {
    await gs.wasm.init({ module: wasmUrl });
  } catch (e) {
    console.warn(`gradstack lab: the wasm backend did not load, training on cpu-js: ${String(e)}`);
    gs.setBackend("js");
  }
}
