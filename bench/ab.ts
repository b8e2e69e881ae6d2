/**
 * A/B timing of two builds of gradstack on a shared machine: `node build/bench/ab.js OLD_ROOT
 * [NEW_ROOT] --only=gpt,lstm,mlp --reps=5 --threads=1 --steps=10`. Each root is a checkout with
 * `build/` (npm run build:test) and, for cpu-native, `native/build`; NEW_ROOT defaults to this one.
 * Every repetition runs each workload once per build in a fresh process (bench/step.ts), old and new
 * alternating and the order flipping each repetition, so a change in the machine's load hits both
 * alike. Prints per build the median (min–max) over repetitions of each repetition's median step time,
 * the new/old ratio, and the load average before and after. Compare only within one run.
 * `--clock=cpu` compares the process's CPU time per step instead of the wall time: with 1 thread on
 * a machine loaded far past its cores, that is the steadier figure (it still counts cache misses
 * that the neighbours cause, alike for both builds).
 * `--env=NAME=OLD/NEW` runs the "old" side with NAME=OLD and the "new" side with NAME=NEW: one build
 * against itself under two settings, e.g. the wasm module's variants:
 * `GRADSTACK_BACKEND=wasm node build/bench/ab.js . --env=GRADSTACK_WASM_RELAXED=0/1 --clock=cpu`.
 */
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { loadAverage } from "./machine.js";
import { benchArgs } from "./args.js";
import { median, workload, WORKLOADS } from "./workloads.js";

const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const ENV_FORM = /^([A-Z_][A-Z0-9_]*)=([^/]*)\/([^/]*)$/;
const { options, positionals } = benchArgs({
  usage: "node build/bench/ab.js OLD_ROOT [NEW_ROOT] [options]",
  positionals: [
    { name: "OLD_ROOT", description: "a checkout with build/ (npm run build:test) and native/build" },
    { name: "NEW_ROOT", description: "the same, the new side", default: here },
  ],
  options: {
    only: {
      type: "list",
      default: "gpt,lstm,mlp",
      choices: WORKLOADS.map((w) => w.id),
      description: "workloads",
    },
    reps: { type: "integer", default: 5, description: "repetitions" },
    threads: { type: "integer", default: 1, description: "GRADSTACK_NUM_THREADS of every step" },
    steps: { type: "integer", description: "timed steps per run (default: each workload's)" },
    clock: {
      type: "string",
      default: "wall",
      choices: ["wall", "cpu"],
      description: "compare wall time, or the process's CPU time per step",
    },
    env: {
      type: "string",
      value: "NAME=OLD/NEW",
      pattern: ENV_FORM,
      description: "run the old side with NAME=OLD and the new side with NAME=NEW",
    },
  },
});

/** The environment each side adds (`--env=NAME=OLD/NEW`), or nothing. */
function sideEnv(which: "old" | "new"): Record<string, string> {
  const spec = options.env;
  if (spec === undefined) return {};
  const [, name, old, now] = ENV_FORM.exec(spec)!; // benchArgs checked the form
  return { [name]: which === "old" ? old : now };
}

/** The median step time (ms) of one fresh process running workload `id` from `root`'s build. */
function stepMedian(root: string, id: string, steps: number, which: "old" | "new"): number {
  const env = { ...process.env, GRADSTACK_NUM_THREADS: String(options.threads), ...sideEnv(which) };
  const args = [path.join(root, "build/bench/step.js"), id, "--steps", String(steps)];
  const out = execFileSync(process.execPath, args, { env, encoding: "utf8" });
  const line = out.trim().split("\n").pop()!;
  const run = JSON.parse(line) as { times_ms: number[]; cpu_ms?: number[] };
  return median(options.clock === "cpu" ? (run.cpu_ms ?? run.times_ms) : run.times_ms);
}

const fmt = (xs: number[]) =>
  `${median(xs).toFixed(2)} (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})`;

const [oldRoot, newRoot] = positionals;
const { only: ids, reps, threads } = options;
const loadBefore = loadAverage();
const times = new Map(ids.map((id) => [id, { old: [] as number[], new: [] as number[] }]));
for (let r = 0; r < reps; r++)
  for (const id of ids) {
    const steps = options.steps ?? workload(id).steps;
    const order: ("old" | "new")[] = r % 2 === 0 ? ["old", "new"] : ["new", "old"];
    for (const which of order)
      times.get(id)![which].push(stepMedian(which === "old" ? oldRoot : newRoot, id, steps, which));
  }
console.log(
  `threads ${threads}, ${reps} repetitions, ${options.clock} time; load average before ${loadBefore.join(" ")}`,
);
console.log("| workload | old ms | new ms | new/old |\n|---|---|---|---|");
for (const [id, t] of times)
  console.log(`| ${id} | ${fmt(t.old)} | ${fmt(t.new)} | ${(median(t.new) / median(t.old)).toFixed(3)} |`);
console.log(`load average after ${loadAverage().join(" ")}`);
