/**
 * `gs.init()`: one asynchronous call that starts the backends this platform should train on, as
 * planned by `default-choice.ts`. In a browser: the "webgpu" device on a hardware adapter, and the
 * wasm CPU backend, else cpu-js when wasm cannot start (its reason goes to the console); in Node the
 * process default (cpu-native). `backend` forces a choice, and then a failure is an error.
 * @example
 * const { device } = await gs.init(); // "webgpu" or "cpu", as torch.cuda.is_available() decides in PyTorch
 * const model = new gs.models.GPT(config).to(device);
 */
import { backend, setBackend } from "./index.js";
import {
  needsAdapter,
  planBackends,
  type AdapterFacts,
  type BackendPlan,
  type BackendRequest,
} from "./default-choice.js";
import { init as initWasm, type WasmInitOptions } from "./wasm/index.js";
import { init as initWebGpu, type WebGpuInitOptions } from "./webgpu/index.js";
import { checkKnownKeys } from "../util/options.js";

export type { BackendRequest };

export interface InitOptions {
  /** "webgpu" (the device, with the default CPU backend beside it), "wasm", "js" or "native" (Node). Default: the platform's order. */
  backend?: BackendRequest;
  /** How to load the wasm backend: its module's URL or bytes, its threads. */
  wasm?: Omit<WasmInitOptions, "activate">;
  webgpu?: WebGpuInitOptions;
}

export interface InitResult {
  /** Where to put models and tensors: "webgpu" when that device started, else "cpu". */
  device: "webgpu" | "cpu";
  /** The active CPU backend: "wasm", "cpu-js" or "cpu-native" (`gs.backend().name`). */
  backend: string;
  /** Why a preferred backend was passed over, one line each (also printed as warnings). */
  fallbacks: string[];
}

const REQUESTS: readonly BackendRequest[] = ["webgpu", "wasm", "js", "native"];

function isNode(): boolean {
  return typeof process !== "undefined" && process.versions?.node !== undefined;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The browser's adapter, as webgpu.init would request it; null without WebGPU. */
async function browserAdapter(): Promise<AdapterFacts | null> {
  const gpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  return (await gpu?.requestAdapter({ powerPreference: "high-performance" }).catch(() => null)) ?? null;
}

async function startCpu(
  cpu: BackendPlan["cpu"],
  wasm: InitOptions["wasm"],
  fallbacks: string[],
): Promise<void> {
  if (cpu === "process-default") {
    backend(); // chooses now, so a backend that cannot load fails here rather than at the first op
    return;
  }
  for (const [i, name] of cpu.entries()) {
    try {
      if (name === "wasm") await initWasm({ ...wasm, activate: true });
      else setBackend(name);
      return;
    } catch (e) {
      if (i === cpu.length - 1) throw new Error(`gs.init: the ${name} backend cannot start: ${message(e)}`);
      fallbacks.push(`${name} did not start, using ${cpu[i + 1]}: ${message(e)}`);
    }
  }
}

async function startWebGpu(
  mode: BackendPlan["webgpu"],
  options: WebGpuInitOptions | undefined,
  fallbacks: string[],
): Promise<InitResult["device"]> {
  if (mode === "no") return "cpu";
  try {
    await initWebGpu(options);
    return "webgpu";
  } catch (e) {
    if (mode === "require") throw new Error(`gs.init: WebGPU cannot start: ${message(e)}`);
    fallbacks.push(`webgpu did not start, training on the CPU: ${message(e)}`);
    return "cpu";
  }
}

/** Starts the platform's backends (or the one asked for) and says where to train. */
export async function init(options: InitOptions = {}): Promise<InitResult> {
  checkKnownKeys("gs.init", options, ["backend", "wasm", "webgpu"]);
  const requested = options.backend;
  if (requested !== undefined && !REQUESTS.includes(requested))
    throw new Error(`gs.init: backend must be one of ${REQUESTS.join(", ")}, got ${String(requested)}`);
  const node = isNode();
  const adapter = needsAdapter(requested, node) ? await browserAdapter() : null;
  const plan = planBackends({ requested, node, adapter });
  const fallbacks: string[] = [];
  await startCpu(plan.cpu, options.wasm, fallbacks);
  const device = await startWebGpu(plan.webgpu, options.webgpu, fallbacks);
  for (const line of fallbacks) console.warn(`gradstack: ${line}`);
  return { device, backend: backend().name, fallbacks };
}
