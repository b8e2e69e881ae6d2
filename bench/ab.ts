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
import { median, workload } from "./workloads.js";

function option(name: string, fallback: string): string {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  return arg === undefined ? fallback : arg.slice(name.length + 3);
}

/** The environment each side adds (`--env=NAME=OLD/NEW`), or nothing. */
function sideEnv(which: "old" | "new"): Record<string, string> {
  const spec = option("env", "");
  if (spec === "") return {};
  const m = /^([A-Z_][A-Z0-9_]*)=([^/]*)\/([^/]*)$/.exec(spec);
  if (m === null) throw new Error(`ab: --env must be NAME=OLD/NEW, got ${spec}`);
  return { [m[1]]: which === "old" ? m[2] : m[3] };
}

/** The median step time (ms) of one fresh process running workload `id` from `root`'s build. */
function stepMedian(root: string, id: string, steps: number, threads: string, which: "old" | "new"): number {
  const env = { ...process.env, GRADSTACK_NUM_THREADS: threads, ...sideEnv(which) };
  const args = [path.join(root, "build/bench/step.js"), id, "--steps", String(steps)];
  const out = execFileSync(process.execPath, args, { env, encoding: "utf8" });
  const line = out.trim().split("\n").pop()!;
  const run = JSON.parse(line) as { times_ms: number[]; cpu_ms?: number[] };
  return median(option("clock", "wall") === "cpu" ? (run.cpu_ms ?? run.times_ms) : run.times_ms);
}

const fmt = (xs: number[]) =>
  `${median(xs).toFixed(2)} (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})`;

const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const [oldRoot, newRoot = here] = process.argv.slice(2).filter((a) => !a.startsWith("--"));
if (oldRoot === undefined) throw new Error("usage: node build/bench/ab.js OLD_ROOT [NEW_ROOT] [--only=…]");
const ids = option("only", "gpt,lstm,mlp").split(",");
const reps = Number(option("reps", "5"));
const threads = option("threads", "1");
const loadBefore = loadAverage();
const times = new Map(ids.map((id) => [id, { old: [] as number[], new: [] as number[] }]));
for (let r = 0; r < reps; r++)
  for (const id of ids) {
    const steps = Number(option("steps", String(workload(id).steps)));
    const order: ("old" | "new")[] = r % 2 === 0 ? ["old", "new"] : ["new", "old"];
    for (const which of order)
      times.get(id)![which].push(stepMedian(which === "old" ? oldRoot : newRoot, id, steps, threads, which));
  }
console.log(
  `threads ${threads}, ${reps} repetitions, ${option("clock", "wall")} time; load average before ${loadBefore.join(" ")}`,
);
console.log("| workload | old ms | new ms | new/old |\n|---|---|---|---|");
for (const [id, t] of times)
  console.log(`| ${id} | ${fmt(t.old)} | ${fmt(t.new)} | ${(median(t.new) / median(t.old)).toFixed(3)} |`);
console.log(`load average after ${loadAverage().join(" ")}`);
