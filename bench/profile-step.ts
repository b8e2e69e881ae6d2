/**
 * Kernel profile of any bench step: `GRADSTACK_NUM_THREADS=1 node build/bench/profile-step.js lstm
 * --steps 10` (process CPU time; `--wall` for the wall clock). Prints each
 * kernel's calls and ms per step, and the time outside kernels, so a step's hot spots show directly.
 */
import * as gs from "../src/index.js";
import { gptStep } from "./gpt.js";
import { lstmStep } from "./lstm.js";
import { mlpStep } from "./mlp.js";

const STEPS: Record<string, () => () => void> = { gpt: () => gptStep("gpt"), lstm: lstmStep, mlp: mlpStep };
const id = process.argv[2] ?? "lstm";
const i = process.argv.indexOf("--steps");
const steps = i > 0 ? Number(process.argv[i + 1]) : 10;
// CPU time of the process (steady on a loaded machine; with 1 thread, the kernels' own time).
const cpuMs = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};
const clock = process.argv.includes("--wall") ? () => performance.now() : cpuMs;
const step = STEPS[id]();
for (let w = 0; w < 3; w++) step();
const { kernels, wallMs } = gs.profileKernels(() => {
  for (let s = 0; s < steps; s++) step();
}, clock);
let inKernels = 0;
const rows = kernels;
for (const [name, s] of rows) {
  inKernels += s.ms;
  console.log(
    `${name.padEnd(32)} ${(s.calls / steps).toFixed(0).padStart(6)} calls ${(s.ms / steps).toFixed(3).padStart(8)} ms`,
  );
}
console.log(
  `${"outside kernels".padEnd(32)} ${"".padStart(12)} ${((wallMs - inKernels) / steps).toFixed(3).padStart(8)} ms`,
);
console.log(`${"step".padEnd(32)} ${"".padStart(12)} ${(wallMs / steps).toFixed(3).padStart(8)} ms`);
