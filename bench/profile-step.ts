/**
 * Kernel profile of any bench step: `GRADSTACK_NUM_THREADS=1 node build/bench/profile-step.js lstm
 * --steps 10` (process CPU time; `--wall` for the wall clock; on wasm `--sync` never yields between
 * steps). Prints each
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
// On wasm the event loop turns between steps (untimed), as in bench/step.ts and a training loop: the
// finalization callbacks then give collected tensors' blocks back to the heap (`--sync`: never).
const turn = gs.backend().name === "wasm" && !process.argv.includes("--sync");
const yieldOnce = () => new Promise((resolve) => setImmediate(resolve));
for (let w = 0; w < 3; w++) {
  step();
  if (turn) await yieldOnce();
}
const totals = new Map<string, { calls: number; ms: number }>();
let wallMs = 0;
for (let s = 0; s < steps; s++) {
  const run = gs.profileKernels(step, clock);
  wallMs += run.wallMs;
  for (const [name, k] of run.kernels) {
    const t = totals.get(name) ?? { calls: 0, ms: 0 };
    t.calls += k.calls;
    t.ms += k.ms;
    totals.set(name, t);
  }
  if (turn) await yieldOnce();
}
let inKernels = 0;
const rows = [...totals].sort((a, b) => b[1].ms - a[1].ms);
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
