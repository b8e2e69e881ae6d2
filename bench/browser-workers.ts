/**
 * The Web Workers of `npm run bench:browser` (bench/browser.ts), bundled for chromium with esbuild: one
 * times gradstack's training steps (bench/gpt.ts, lstm.ts, mlp.ts), the other TensorFlow.js's twins of
 * them (bench/tfjs-steps.ts) on its wasm backend. Workers, so that both may use threads (a page's main
 * thread may not wait on them). Each gets { workload, warmup, steps, threads, ... } and posts
 * { backend, threads, times } or { error }.
 */
import { build } from "esbuild";
import { join } from "node:path";
import { repoRoot } from "../test/helpers/fixtures.js";

/** What a worker posts back. */
export interface StepReply {
  /** The backend, with the wasm module's instruction set and how many of its workers joined the pool. */
  backend: string;
  threads: number;
  times: number[];
  /** With `profile`: each kernel's [name, calls, ms] over the timed steps (gs.profileKernels, wall clock). */
  kernels?: [string, number, number][];
  error?: string;
}

/** Warm-up steps and timed steps, then a reply; shared by both workers' scripts. */
const TIME_STEPS = `
async function timeSteps(make, warmup, steps) {
  const step = make();
  const times = [];
  for (let i = 0; i < warmup + steps; i++) {
    const t0 = performance.now();
    step();
    if (i >= warmup) times.push(performance.now() - t0);
  }
  return times;
}
`;

/**
 * gradstack on `backendName`: wasm through gs.wasm.init with `threads`, choosing among the variants at
 * `wasmFiles` as the lab does (relaxed SIMD in chromium) or given one; another name through its init.
 */
const GRADSTACK_ENTRY = `
import * as gs from "../src/index.js";
import { gptStep } from "./gpt.js";
import { lstmStep } from "./lstm.js";
import { mlpStep } from "./mlp.js";
const STEPS = { gpt: () => gptStep("gpt"), lstm: lstmStep, mlp: mlpStep };
${TIME_STEPS}
self.onmessage = async (event) => {
  const { workload, backendName, warmup, steps, threads, wasmFiles, profile } = event.data;
  try {
    const urls = wasmFiles.map((f) => new URL("wasm/" + f, self.location.href).href);
    const module = urls.length === 1 ? urls[0] : Object.fromEntries(wasmFiles.map((f, i) => [f, urls[i]]));
    if (backendName === "wasm") await gs.wasm.init({ module, threads });
    else if (backendName !== "cpu-js") {
      if (typeof gs[backendName]?.init === "function") await gs[backendName].init();
      gs.setBackend(backendName);
    }
    if (!gs.backend().name.includes(backendName.replace("cpu-", "")))
      throw new Error("gradstack in the browser has no backend " + backendName + "; it runs " + gs.backend().name);
    let times, kernels;
    if (profile) {
      const step = STEPS[workload]();
      for (let i = 0; i < warmup; i++) step();
      const t0 = performance.now();
      const r = gs.profileKernels(() => { for (let i = 0; i < steps; i++) step(); });
      times = [(performance.now() - t0) / steps];
      kernels = r.kernels.map(([name, k]) => [name, k.calls, k.ms]);
    } else times = await timeSteps(STEPS[workload], warmup, steps);
    const wasm = gs.wasm.info(), stats = gs.wasm.threadStats();
    const backend = backendName !== "wasm" ? gs.backend().name :
      "wasm " + wasm.isa + (wasm.sharedMemory ? "" : " single-thread") +
      (stats.threads > 1 ? " (" + stats.workersStarted + " of " + (stats.threads - 1) + " workers joined)" : "");
    self.postMessage({ backend, threads: gs.backend().threads ?? 1, times, kernels });
  } catch (e) {
    self.postMessage({ error: String((e && e.stack) || e) });
  }
};
`;

/**
 * TensorFlow.js's wasm backend: its modules served from `wasmPath`; it picks SIMD and its threaded build
 * itself (threads only on a cross-origin-isolated page), and the reply says which it got and how many
 * threads its pool has (chromium 156 here: the threaded build, and a pool of 1 thread whatever is asked).
 */
const TFJS_ENTRY = `
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-core/dist/register_all_gradients.js";
import { getThreadsCount, setThreadsCount, setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { TFJS_STEPS } from "./tfjs-steps.js";
${TIME_STEPS}
self.onmessage = async (event) => {
  const { workload, warmup, steps, threads, wasmPath } = event.data;
  self.postMessage(await tfjsSteps(workload, warmup, steps, threads, wasmPath));
};
async function tfjsSteps(workload, warmup, steps, threads, wasmPath) {
  try {
    setWasmPaths(wasmPath);
    if (threads !== undefined) setThreadsCount(threads);
    if (!(await tf.setBackend("wasm"))) throw new Error("TensorFlow.js's wasm backend did not initialise");
    const simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
    const multithread = await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT");
    const times = await timeSteps(TFJS_STEPS[workload], warmup, steps);
    return {
      backend:
        "TensorFlow.js " + tf.version_core + " wasm, " + (simd ? "SIMD" : "no SIMD") +
        (multithread ? ", threaded build" : ", no threads"),
      threads: getThreadsCount(),
      times,
    };
  } catch (e) {
    return { error: String((e && e.stack) || e) };
  }
}
`;

/** Bundles a worker's source for the browser, with gradstack's Node entry swapped for dist/browser.js. */
async function bundle(contents: string, name: string): Promise<string> {
  const out = await build({
    stdin: { contents, resolveDir: join(repoRoot, "bench"), sourcefile: name, loader: "ts" },
    bundle: true,
    platform: "browser",
    format: "iife",
    write: false,
    logLevel: "silent",
    plugins: [
      {
        name: "gradstack-browser-entry",
        setup(b) {
          b.onResolve({ filter: /\/src\/index\.js$/ }, () => ({
            path: join(repoRoot, "dist", "browser.js"),
          }));
        },
      },
    ],
  });
  return out.outputFiles[0].text;
}

export const gradstackWorker = (): Promise<string> => bundle(GRADSTACK_ENTRY, "bench-gradstack.ts");
export const tfjsWorker = (): Promise<string> => bundle(TFJS_ENTRY, "bench-tfjs.ts");

/** The folder of TensorFlow.js's wasm modules in node_modules. */
export const tfjsWasmDir = (): string => join(repoRoot, "node_modules/@tensorflow/tfjs-backend-wasm/dist");
