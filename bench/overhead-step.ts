/**
 * The cost of the tensor layer alone (op dispatch, autograd, allocation and the collections it sets
 * off): a bench step with every compute kernel replaced by a no-op, so the numbers are garbage but the
 * shapes, graph and allocations are the step's own. Steadier than `profile-step`'s "outside kernels"
 * on a busy machine, since nothing is left to share the cores with.
 *   GRADSTACK_NUM_THREADS=1 node build/bench/overhead-step.js gpt|lstm|mlp [--steps 200]
 * Prints the wall-clock and CPU milliseconds per step, the minimum of five runs.
 */
import { kernels } from "../src/backend/index.js";
import { gptStep } from "./gpt.js";
import { lstmStep } from "./lstm.js";
import { mlpStep } from "./mlp.js";
import { benchArgs } from "./args.js";

const STEPS: Record<string, () => () => void> = { gpt: () => gptStep("gpt"), lstm: lstmStep, mlp: mlpStep };
const { options, positionals } = benchArgs({
  usage: "GRADSTACK_NUM_THREADS=1 node build/bench/overhead-step.js [WORKLOAD] [--steps N]",
  positionals: [{ name: "WORKLOAD", description: "the step", choices: Object.keys(STEPS), default: "gpt" }],
  options: { steps: { type: "integer", default: 200, description: "steps per run (of five)" } },
});
const id = positionals[0];
const steps = options.steps;

const step = STEPS[id]();
for (let w = 0; w < 3; w++) step(); // real kernels first, so the model's state is what a step sees
// Storage stays real (outputs are still allocated and given back), and so do copies and casts, which
// make the index tensors that ops check (the char-LSTM's embedding indices); every other kernel does
// nothing.
const STORAGE = new Set([
  "alloc",
  "allocUninit",
  "release",
  "upload",
  "fill",
  "read",
  "sync",
  "copy",
  "cast",
]);
const backend = kernels() as unknown as Record<string, unknown>;
for (const [name, value] of Object.entries(backend))
  if (typeof value === "function" && !STORAGE.has(name)) backend[name] = () => true;
for (let w = 0; w < 50; w++) step();

let wall = Infinity;
let cpu = Infinity;
for (let run = 0; run < 5; run++) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let s = 0; s < steps; s++) step();
  wall = Math.min(wall, (performance.now() - t0) / steps);
  const c = process.cpuUsage(c0);
  cpu = Math.min(cpu, (c.user + c.system) / 1000 / steps);
}
console.log(
  `${id}: tensor layer ${wall.toFixed(3)} ms/step wall, ${cpu.toFixed(3)} ms/step CPU (min of 5 runs)`,
);
