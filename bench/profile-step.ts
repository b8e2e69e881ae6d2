/**
 * Kernel profile of any bench step: `GRADSTACK_NUM_THREADS=1 node build/bench/profile-step.js lstm
 * --steps 10` (process CPU time at 1 thread; the wall clock with more threads or `--wall`; on wasm
 * `--sync` never yields between steps). Prints each kernel's calls and ms per step, and the time
 * outside kernels, so a step's hot spots show directly.
 */
import * as gs from "../src/index.js";
import { gptStep } from "./gpt.js";
import { lstmStep } from "./lstm.js";
import { mlpStep } from "./mlp.js";
import { benchArgs } from "./args.js";

const STEPS: Record<string, () => () => void> = { gpt: () => gptStep("gpt"), lstm: lstmStep, mlp: mlpStep };
const { options, positionals } = benchArgs({
  usage: "GRADSTACK_NUM_THREADS=1 node build/bench/profile-step.js [WORKLOAD] [options]",
  positionals: [{ name: "WORKLOAD", description: "the step", choices: Object.keys(STEPS), default: "lstm" }],
  options: {
    steps: { type: "integer", default: 10, description: "profiled steps" },
    wall: {
      type: "boolean",
      description: "the wall clock instead of the process's CPU time (always with more than 1 thread)",
    },
    sync: { type: "boolean", description: "on wasm, never yield to the event loop between steps" },
  },
});
const id = positionals[0];
const steps = options.steps;
// CPU time of the process (steady on a loaded machine; with 1 thread, the kernels' own time).
const cpuMs = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};
const step = STEPS[id]();
// With several threads the process's CPU time also counts the workers' polling between kernels (a
// 2-thread GPT step then shows ~18 ms "outside kernels" that the wall clock puts at ~4): wall clock there.
const { name: backendName, threads } = gs.backend();
const wall = options.wall || threads > 1;
const clock = wall ? () => performance.now() : cpuMs;
console.log(`${id} step on ${backendName}, ${threads} thread(s), clock ${wall ? "wall" : "cpu"}`);
// On wasm the event loop turns between steps (untimed), as in bench/step.ts and a training loop: the
// finalization callbacks then give collected tensors' blocks back to the heap (`--sync`: never).
const turn = backendName === "wasm" && !options.sync;
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
