/**
 * The training worker's choice of kernel backend: `?backend=js|wasm|webgpu` on the page's URL (the page
 * passes its query string as the worker's name), else WebGPU where the browser has a hardware adapter, and
 * for the CPU the WebAssembly backend (on threads where the page is cross-origin isolated, as the lab's
 * server makes it; else gs.wasm.init picks the single-thread module), cpu-js if it cannot load. The
 * status line shows the result.
 */
import * as gs from "gradstack";
import threadsUrl from "../../wasm/gradstack.wasm?url";
import relaxedUrl from "../../wasm/gradstack-relaxed.wasm?url";
import singleUrl from "../../wasm/gradstack-single.wasm?url";
import relaxedSingleUrl from "../../wasm/gradstack-relaxed-single.wasm?url";

const WASM_MODULES: gs.wasm.WasmSources = {
  "gradstack.wasm": threadsUrl,
  "gradstack-relaxed.wasm": relaxedUrl,
  "gradstack-single.wasm": singleUrl,
  "gradstack-relaxed-single.wasm": relaxedSingleUrl,
};

export type BackendChoice = "js" | "wasm" | "webgpu";

/** The override in a query string such as "?backend=wasm", or null. */
export function backendOverride(query: string): BackendChoice | null {
  const name = new URLSearchParams(query).get("backend");
  return name === "js" || name === "wasm" || name === "webgpu" ? name : null;
}

/** The little of WebGPU's adapter that the choice reads (the lab's types do not include @webgpu/types). */
interface AdapterFacts {
  isFallbackAdapter?: boolean;
  info?: { vendor?: string; architecture?: string; description?: string; isFallbackAdapter?: boolean };
}

/** True when the browser's WebGPU adapter is a real GPU: a software one (SwiftShader) trains slower than wasm. */
async function hasHardwareAdapter(): Promise<boolean> {
  const gpu = (navigator as { gpu?: { requestAdapter(): Promise<AdapterFacts | null> } }).gpu;
  const adapter = await gpu?.requestAdapter().catch(() => null);
  if (!adapter) return false;
  const info = adapter.info ?? {};
  if (adapter.isFallbackAdapter || info.isFallbackAdapter) return false;
  return !/swiftshader/i.test(`${info.vendor} ${info.architecture} ${info.description}`);
}

/** WebGPU when asked for (or on hardware): true when the "webgpu" device is ready for the task's model. */
async function chooseDevice(override: BackendChoice | null): Promise<boolean> {
  if (override !== "webgpu" && (override !== null || !(await hasHardwareAdapter()))) return false;
  try {
    await gs.webgpu.init();
    return true;
  } catch (e) {
    console.warn(`gradstack lab: WebGPU did not start, training on the CPU: ${String(e)}`);
    return false;
  }
}

/**
 * Makes the chosen CPU backend active (the data, and the pages whose task is not device-ready, run on it;
 * a wasm that cannot load leaves cpu-js, with the reason on the console); resolves to whether the
 * "webgpu" device is ready too.
 */
export async function chooseBackend(query: string): Promise<boolean> {
  const override = backendOverride(query);
  const gpu = await chooseDevice(override);
  const wanted = override === "js" ? "js" : "wasm";
  if (wanted === "js") {
    gs.setBackend("js");
    return gpu;
  }
  try {
    await gs.wasm.init({ module: WASM_MODULES });
  } catch (e) {
    console.warn(`gradstack lab: the wasm backend did not load, training on cpu-js: ${String(e)}`);
    gs.setBackend("js");
  }
  return gpu;
}
