/**
 * Times one workload of bench/workloads.ts on TensorFlow.js's WebAssembly backend in this process and
 * prints one JSON line, the format of bench/step.ts. It runs bundled (bench/tfjs-bundle.ts, which
 * `npm run bench -- --tfjs` calls): `node build/bench/tfjs-step.cjs gpt --steps 3 --warm 1`.
 * The backend uses SIMD where the engine has it and threads only where it has them (not in Node:
 * `threads` in the line says how many ran). GRADSTACK_NUM_THREADS is the count it is asked for.
 * `node build/bench/tfjs-step.cjs check` prints each twin's parameter count and initial loss instead
 * (test/bench-tfjs.test.ts compares them with gradstack's models).
 */
import { createRequire } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs-core";
// The gradients of tfjs-core's ops (only the bundle can import this extension-less ES module).
import "@tensorflow/tfjs-core/dist/register_all_gradients.js";
import { getThreadsCount, setThreadsCount, setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { tfjsGpt } from "./tfjs-gpt.js";
import { tfjsLstm } from "./tfjs-lstm.js";
import { tfjsMlp } from "./tfjs-mlp.js";
import { TFJS_STEPS } from "./tfjs-steps.js";
import { parameterCount, type TfjsModel } from "./tfjs-train.js";
import { workload } from "./workloads.js";
import { benchArgs } from "./args.js";

const { options, positionals } = benchArgs({
  usage: "node build/bench/tfjs-step.cjs WORKLOAD [--steps N] [--warm N]",
  positionals: [
    {
      name: "WORKLOAD",
      description: "the workload to time, or check: each twin's parameter count and initial loss",
      choices: [...Object.keys(TFJS_STEPS), "check"],
    },
  ],
  options: {
    steps: { type: "integer", description: "timed steps (default: the workload's for TensorFlow.js)" },
    warm: { type: "integer", min: 0, description: "untimed steps first (default: the workload's)" },
  },
});

/** Each twin's model, and a batch (inputs, targets) of its workload for the initial loss. */
const TWINS: Record<string, () => [TfjsModel, tf.Tensor, tf.Tensor]> = {
  gpt: () => [
    tfjsGpt("gpt"),
    tf.randomUniformInt([12, 64], 0, 65, 1),
    tf.randomUniformInt([12, 64], 0, 65, 2),
  ],
  gptlarge: () => [
    tfjsGpt("gptlarge"),
    tf.randomUniformInt([2, 128], 0, 65, 1),
    tf.randomUniformInt([2, 128], 0, 65, 2),
  ],
  lstm: () => [tfjsLstm(), tf.randomUniformInt([32, 64], 0, 65, 1), tf.randomUniformInt([32, 64], 0, 65, 2)],
  mlp: () => [
    tfjsMlp(),
    tf.randomNormal([128, 784], 0, 1, "float32", 1),
    tf.randomUniformInt([128], 0, 10, 2),
  ],
};

/** Parameter counts and initial losses of the twins, one JSON line. */
function checkTwins(): void {
  const params: Record<string, number> = {};
  const initialLoss: Record<string, number> = {};
  for (const [id, make] of Object.entries(TWINS)) {
    const [model, x, y] = make();
    params[id] = parameterCount(model);
    initialLoss[id] = model.loss(x, y).dataSync()[0];
  }
  console.log(JSON.stringify({ framework: "tfjs", backend: tf.getBackend(), params, initialLoss }));
}

async function main(): Promise<void> {
  const id = positionals[0];
  // The bundle lives in build/bench/; the backend's .wasm files stay in its package.
  const repoRoot = path.resolve(path.dirname(process.argv[1]), "../..");
  const wasmMain = createRequire(path.join(repoRoot, "package.json")).resolve(
    "@tensorflow/tfjs-backend-wasm",
  );
  setWasmPaths(path.dirname(wasmMain) + path.sep);
  setThreadsCount(Number(process.env.GRADSTACK_NUM_THREADS) || os.availableParallelism());
  if (!(await tf.setBackend("wasm"))) throw new Error("TensorFlow.js's wasm backend did not initialise");
  if (id === "check") return checkTwins();
  const w = workload(id);
  const make = TFJS_STEPS[id];
  if (make === undefined) throw new Error(`${id} has no TensorFlow.js twin (bench/tfjs-step.ts)`);
  const counts = w.tfjs ?? w;
  const simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
  const multithread = await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT");
  const step = make();
  for (let i = options.warm ?? counts.warm; i > 0; i--) step();
  const times: number[] = [];
  for (let i = options.steps ?? counts.steps; i > 0; i--) {
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
      threads: multithread ? getThreadsCount() : 1,
      workload: id,
      times_ms: times,
    }),
  );
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
