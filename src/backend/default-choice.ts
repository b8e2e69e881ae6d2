/**
 * Which backends `gs.init()` starts, decided from facts alone (what was asked for, whether this is
 * Node, the WebGPU adapter the platform offers), so the rule is tested without a browser.
 * In a browser the default order is WebGPU on a hardware adapter > wasm > cpu-js; a software adapter
 * (SwiftShader, a fallback adapter) trains slower than wasm, so it is used only when asked for.
 * Node keeps its process default (GRADSTACK_BACKEND, else cpu-native, else cpu-js).
 */

/** What `gs.init({ backend })` accepts: "webgpu" is a device, the others are CPU backends. */
export type BackendRequest = "webgpu" | "wasm" | "js" | "native";

/** The little of a WebGPU adapter that the choice reads. */
export interface AdapterFacts {
  isFallbackAdapter?: boolean;
  info?: { vendor?: string; architecture?: string; description?: string; isFallbackAdapter?: boolean };
}

export interface ChoiceFacts {
  requested?: BackendRequest;
  /** True in Node (the native addon's platform), false in browsers and their workers. */
  node: boolean;
  /** The platform's WebGPU adapter, null when there is none (only read when it matters). */
  adapter: AdapterFacts | null;
}

export interface BackendPlan {
  /** "require": start the "webgpu" device or fail; "try": start it, else stay on the CPU; "no": leave it. */
  webgpu: "require" | "try" | "no";
  /**
   * The CPU backends to try in turn; the last one's failure is an error. "process-default" keeps the
   * choice the process makes on first use (Node: GRADSTACK_BACKEND, else native, else cpu-js).
   */
  cpu: readonly ("wasm" | "js" | "native")[] | "process-default";
}

/** True when the adapter is a real GPU: neither a fallback adapter nor SwiftShader. */
export function isHardwareAdapter(adapter: AdapterFacts | null): boolean {
  if (adapter === null) return false;
  const info = adapter.info ?? {};
  if (adapter.isFallbackAdapter || info.isFallbackAdapter) return false;
  return !/swiftshader/i.test(`${info.vendor} ${info.architecture} ${info.description}`);
}

/** Whether the adapter decides anything: only a browser's default looks at it. */
export function needsAdapter(requested: BackendRequest | undefined, node: boolean): boolean {
  return requested === undefined && !node;
}

export function planBackends(f: ChoiceFacts): BackendPlan {
  const defaultCpu = f.node ? "process-default" : (["wasm", "js"] as const);
  switch (f.requested) {
    case "webgpu":
      return { webgpu: "require", cpu: defaultCpu };
    case "wasm":
    case "js":
    case "native":
      return { webgpu: "no", cpu: [f.requested] };
    case undefined:
      return { webgpu: !f.node && isHardwareAdapter(f.adapter) ? "try" : "no", cpu: defaultCpu };
  }
}
