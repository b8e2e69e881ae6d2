/**
 * Times one workload of bench/workloads.ts on TensorFlow.js's WebAssembly backend in this process and
 * prints one JSON line, the format of bench/step.ts. It runs bundled (bench/tfjs-bundle.ts, which
 * `npm run bench -- --tfjs` calls): `node build/bench/tfjs-step.cjs gpt --steps 3 --warm 1`.
 * The backend uses SIMD where the engine has it and threads only where it has them (not in Node:
 * `threads` in the line says how many ran). GRADSTACK_NUM_THREADS is the count it is asked for.
 */
import { createRequire } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs-core";
// The gradients of tfjs-core's ops (only the bundle can import this extension-less ES module).
import "@tensorflow/tfjs-core/dist/register_all_gradients.js";
import { setThreadsCount, setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { tfjsGptStep } from "./tfjs-gpt.js";
import { tfjsLstmStep } from "./tfjs-lstm.js";
import { tfjsMlpStep } from "./tfjs-mlp.js";
import { workload } from "./workloads.js";

/** sgemm n³: a matmul of two random n×n matrices (TensorFlow.js has no preallocated output; the result is freed). */
function tfjsSgemmStep(n: number): () => void {
  const a = tf.randomNormal([n, n], 0, 1, "float32", 1);
  const b = tf.randomNormal([n, n], 0, 1, "float32", 2);
  return () => tf.matMul(a, b).dispose();
}

/** The workloads with a TensorFlow.js twin. */
export const TFJS_STEPS: Record<string, () => () => void> = {
  gpt: () => tfjsGptStep("gpt"),
  gptlarge: () => tfjsGptStep("gptlarge"),
  lstm: tfjsLstmStep,
  mlp: tfjsMlpStep,
  sgemm: () => tfjsSgemmStep(1024),
};

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

async function main(): Promise<void> {
  const id = process.argv[2];
  const w = workload(id);
  const make = TFJS_STEPS[id];
  if (make === undefined) throw new Error(`${id} has no TensorFlow.js twin (bench/tfjs-step.ts)`);
  // The bundle lives in build/bench/; the backend's .wasm files stay in its package.
  const repoRoot = path.resolve(path.dirname(process.argv[1]), "../..");
  const wasmMain = createRequire(path.join(repoRoot, "package.json")).resolve(
    "@tensorflow/tfjs-backend-wasm",
  );
  setWasmPaths(path.dirname(wasmMain) + path.sep);
  setThreadsCount(Number(process.env.GRADSTACK_NUM_THREADS) || os.availableParallelism());
  if (!(await tf.setBackend("wasm"))) throw new Error("TensorFlow.js's wasm backend did not initialise");
  const simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
  const multithread = await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT");
  const step = make();
  for (let i = flag("warm", w.warm); i > 0; i--) step();
  const times: number[] = [];
  for (let i = flag("steps", w.steps); i > 0; i--) {
    const t0 = performance.now();
    step();
    times.push(performance.now() - t0);
  }
  console.log(
    JSON.stringify({
      framework: "tfjs",
      version: tf.version_core,
      backend: "wasm",
      kernel: [simd ? "SIMD" : "no SIMD", multithread ? "threads" : "one thread"].join(", "),
      threads: multithread
        ? (tf.backend() as unknown as { getThreadsCount?(): number }).getThreadsCount?.()
        : 1,
      workload: id,
      times_ms: times,
    }),
  );
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
