/**
 * What forward activations cost the garbage collector, before and after a change to CPU allocation:
 * `node build/bench/alloc-gc.js OLD_ROOT [NEW_ROOT] --only=gpt,lstm,mlp --steps=25 --reps=3 --threads=1`.
 * Each repetition runs every workload in a fresh process per build (old and new alternating, the order
 * flipping each repetition) in two loop shapes: `sync`, steps back to back as bench/step.ts runs them
 * (the event loop never turns), and `await`, a `setImmediate` between steps as an async training loop
 * (trainLoopAsync, a browser page) yields. It prints per build and shape the mark-compact count per
 * `--steps` steps (perf_hooks' gc entries), the median CPU ms per step, and the resident and
 * ArrayBuffer megabytes after the last step, as medians (min–max) over repetitions.
 */
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { constants, PerformanceObserver } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import { option } from "./args.js";
import { loadAverage } from "./machine.js";
import { median } from "./workloads.js";

interface Run {
  majorGcs: number;
  cpuMs: number;
  rssMb: number;
  arrayBuffersMb: number;
}

const WORKLOADS: Record<string, [file: string, fn: string, arg?: string]> = {
  gpt: ["gpt.js", "gptStep", "gpt"],
  lstm: ["lstm.js", "lstmStep"],
  mlp: ["mlp.js", "mlpStep"],
};

/** In the child: runs workload `id` of `root`'s build and prints one Run as JSON. */
async function child(root: string, id: string, shape: string, steps: number): Promise<void> {
  const [file, fn, arg] = WORKLOADS[id];
  const mod = (await import(pathToFileURL(path.join(root, "build/bench", file)).href)) as Record<
    string,
    (a?: string) => () => void
  >;
  const step = mod[fn](arg);
  for (let i = 0; i < 3; i++) step(); // warm-up
  let majorGcs = 0;
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries())
      if ((e as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR)
        majorGcs++;
  });
  observer.observe({ entryTypes: ["gc"] });
  const cpu: number[] = [];
  for (let i = 0; i < steps; i++) {
    const c0 = process.cpuUsage();
    step();
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
    if (shape === "await") await new Promise((r) => setImmediate(r));
  }
  await new Promise((r) => setTimeout(r, 10)); // the observer reports on a later turn
  observer.disconnect();
  const m = process.memoryUsage();
  const run: Run = {
    majorGcs,
    cpuMs: median(cpu),
    rssMb: m.rss / 2 ** 20,
    arrayBuffersMb: m.arrayBuffers / 2 ** 20,
  };
  console.log(JSON.stringify(run));
}

const fmt = (xs: number[], digits: number) =>
  `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`;

function parent(): void {
  const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
  const [oldRoot, newRoot = here] = process.argv.slice(2).filter((a) => !a.startsWith("--"));
  if (oldRoot === undefined)
    throw new Error("usage: node build/bench/alloc-gc.js OLD_ROOT [NEW_ROOT] [--only=…]");
  const ids = option("only", "gpt,lstm,mlp").split(",");
  const shapes = option("shapes", "sync,await").split(",");
  const reps = Number(option("reps", "3"));
  const steps = option("steps", "25");
  const env = { ...process.env, GRADSTACK_NUM_THREADS: option("threads", "1") };
  const runs = new Map<string, Run[]>();
  console.log(
    `threads ${env.GRADSTACK_NUM_THREADS}, ${steps} steps, ${reps} repetitions; load average before ${loadAverage().join(" ")}`,
  );
  for (let r = 0; r < reps; r++)
    for (const id of ids)
      for (const shape of shapes)
        for (const which of r % 2 === 0 ? ["old", "new"] : ["new", "old"]) {
          const root = which === "old" ? oldRoot : newRoot;
          const args = [fileURLToPath(import.meta.url), "--child", root, id, shape, steps];
          const out = execFileSync(process.execPath, args, { env, encoding: "utf8" });
          const key = `${id} ${shape} ${which}`;
          runs.set(key, [...(runs.get(key) ?? []), JSON.parse(out.trim().split("\n").pop()!) as Run]);
        }
  console.log(
    "| workload | loop | build | mark-compacts | CPU ms/step | RSS MB | ArrayBuffers MB |\n|---|---|---|---|---|---|---|",
  );
  for (const [key, rs] of runs) {
    const [id, shape, which] = key.split(" ");
    const col = (f: (r: Run) => number, d: number) => fmt(rs.map(f), d);
    console.log(
      `| ${id} | ${shape} | ${which} | ${col((r) => r.majorGcs, 0)} | ${col((r) => r.cpuMs, 2)} | ${col((r) => r.rssMb, 0)} | ${col((r) => r.arrayBuffersMb, 0)} |`,
    );
  }
  console.log(`load average after ${loadAverage().join(" ")}`);
}

if (process.argv[2] === "--child")
  await child(process.argv[3], process.argv[4], process.argv[5], Number(process.argv[6]));
else parent();
