/**
 * `npm run bench [-- options]`: gradstack beside PyTorch on this machine, in one run. For each
 * workload, each repetition runs gradstack, then every PyTorch found, each in a fresh process with
 * the same thread count; the table gives the median (min–max) of the repetitions and gradstack's
 * speed over each PyTorch. PyTorch comes from `python3` on PATH (a current wheel) and Debian's
 * `/usr/bin/python3` (1.13 with OpenBLAS), when they have it; a missing one is shown as "—".
 * The options are OPTIONS below (`--help` prints them).
 *
 * GRADSTACK_BACKEND=js measures the TypeScript backend.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { loadAverage, machine } from "./machine.js";
import { bundleTfjsStep } from "./tfjs-bundle.js";
import { nodeCompileTimes } from "./wasm-compile.js";
import {
  reportMarkdown,
  type Framework,
  type ProfileRow,
  type Report,
  type WorkloadResult,
} from "./report.js";
import { benchArgs } from "./args.js";
import { DEFAULT_WORKLOADS, WORKLOADS, repetitionValue, workload, type Workload } from "./workloads.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, "../..");
const stepJs = path.join(here, "step.js");
const stepsPy = path.join(repoRoot, "bench/torch/steps.py");

const OPTIONS = {
  threads: {
    type: "integer",
    description: "threads for every framework (default: GRADSTACK_NUM_THREADS, else the core count)",
  },
  reps: { type: "integer", default: 3, value: "R", description: "repetitions" },
  only: {
    type: "list",
    default: DEFAULT_WORKLOADS.join(","),
    choices: WORKLOADS.map((w) => w.id),
    description: "workloads",
  },
  steps: {
    type: "integer",
    description: "timed steps per repetition, for every workload (default: each its own)",
  },
  json: {
    type: "string",
    value: "FILE",
    description: "also write the results as JSON (bench/table.ts prints them as Markdown again)",
  },
  profile: { type: "boolean", description: "also break a gradstack GPT step down by op class" },
  pythons: {
    type: "list",
    // BENCH_TORCH=0: no PyTorch, as --no-torch.
    default: process.env.BENCH_TORCH === "0" ? "" : "python3,/usr/bin/python3",
    description: "the interpreters to look for PyTorch in",
  },
  "no-torch": { type: "boolean", description: "no PyTorch (as --pythons= with none)" },
  "no-wasm": {
    type: "boolean",
    description: "leave out gradstack's wasm backend (by default a column of its own, beside native)",
  },
  tfjs: {
    type: "boolean",
    description:
      "add TensorFlow.js's wasm backend (bench/tfjs-step.ts; few steps: its GPT step takes seconds)",
  },
} as const;

interface ChildResult {
  json?: Record<string, unknown>;
  error?: string;
}

/** Runs a child and returns its last JSON line, or why it gave none. */
function runChild(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutS: number): ChildResult {
  const r = spawnSync(cmd, args, {
    encoding: "utf8",
    env: { ...process.env, ...env },
    timeout: timeoutS * 1000,
  });
  if (r.error)
    return {
      error: (r.error as NodeJS.ErrnoException).code === "ENOENT" ? `${cmd} not found` : r.error.message,
    };
  const line = r.stdout
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .pop();
  if (r.status === 0 && line) return { json: JSON.parse(line) as Record<string, unknown> };
  const why = r.stderr.trim().split("\n").pop() || `exit status ${r.status ?? r.signal}`;
  return { error: why.slice(0, 200) };
}

/** The PyTorch of each interpreter (the same interpreter named twice counts once). */
function findTorches(pythons: string[]): Framework[] {
  const probe =
    "import json, os, sys\nimport torch\n" +
    "print(json.dumps({'version': torch.__version__, 'exe': os.path.realpath(sys.executable)}))";
  const found: (Framework & { exe?: string; version?: string })[] = [];
  for (const py of pythons) {
    const r = runChild(py, ["-c", probe], {}, 120);
    const exe = r.json?.exe as string | undefined;
    if (exe && found.some((f) => f.exe === exe)) continue;
    const version = r.json?.version as string | undefined;
    found.push({
      id: `torch:${py}`,
      label: version ? `PyTorch ${version}` : `PyTorch (${py})`,
      detail: py,
      exe,
      version,
      missing: r.error,
    });
  }
  for (const f of found)
    if (f.version && found.filter((g) => g.version === f.version).length > 1) f.label += ` (${f.detail})`;
  return found.map(({ id, label, detail, missing }) => ({ id, label, detail, missing }));
}

function timesOf(r: ChildResult): number[] | undefined {
  const t = r.json?.times_ms;
  return Array.isArray(t) && t.length > 0 ? (t as number[]) : undefined;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const { options } = benchArgs({ usage: "npm run bench [-- options]", options: OPTIONS }, argv);
  const opts = {
    ...options,
    threads: options.threads ?? (Number(process.env.GRADSTACK_NUM_THREADS) || os.availableParallelism()),
    pythons: options["no-torch"] ? [] : options.pythons,
    wasm: !options["no-wasm"],
  };
  const tfjsStep = opts.tfjs ? await bundleTfjsStep() : "";
  const loadBefore = loadAverage();
  const gradstack: Framework = { id: "gradstack", label: "gradstack", detail: "" };
  // The wasm backend is a column like a PyTorch's, so the table gives native's speed over it.
  const wasm: Framework = { id: "gradstack-wasm", label: "gradstack wasm", detail: "" };
  const tfjs: Framework = { id: "tfjs-wasm", label: "TF.js wasm", detail: "" };
  const frameworks = [
    gradstack,
    ...(opts.wasm ? [wasm] : []),
    ...(opts.tfjs ? [tfjs] : []),
    ...findTorches(opts.pythons),
  ];
  const threadEnv = { OMP_NUM_THREADS: String(opts.threads), MKL_NUM_THREADS: String(opts.threads) };
  const run = (f: Framework, w: Workload): ChildResult => {
    const counts = ["--warm", String(w.warm), "--steps", String(opts.steps ?? w.steps)];
    if (f.id === "tfjs-wasm") {
      const t = w.tfjs!;
      const tfjsCounts = ["--warm", String(t.warm), "--steps", String(opts.steps ?? t.steps)];
      return runChild(
        process.execPath,
        [tfjsStep, w.id, ...tfjsCounts],
        { GRADSTACK_NUM_THREADS: String(opts.threads) },
        900,
      );
    }
    if (f.id === "gradstack" || f.id === "gradstack-wasm")
      return runChild(
        process.execPath,
        [stepJs, w.id, ...counts],
        {
          GRADSTACK_NUM_THREADS: String(opts.threads),
          ...(f.id === "gradstack-wasm" ? { GRADSTACK_BACKEND: "wasm" } : {}),
        },
        900,
      );
    const py = f.id.slice("torch:".length);
    return runChild(py, [stepsPy, w.id, ...counts, "--threads", String(opts.threads)], threadEnv, 900);
  };

  const workloads: WorkloadResult[] = [];
  for (const id of opts.only) {
    const w = workload(id);
    const res: WorkloadResult = { id, title: w.title, unit: w.unit, values: {}, errors: {} };
    workloads.push(res);
    for (let rep = 1; rep <= opts.reps; rep++) {
      const seen: string[] = [];
      for (const f of frameworks) {
        if (f.missing || (f.id === "tfjs-wasm" && !w.tfjs)) continue;
        const r = run(f, w);
        const times = timesOf(r);
        if (!times) {
          res.errors[f.id] = r.error ?? "no timings";
          seen.push(`${f.label} failed`);
          continue;
        }
        const v = repetitionValue(w, times);
        (res.values[f.id] ??= []).push(v);
        seen.push(`${f.label} ${v.toFixed(w.unit === "ms" ? 2 : 0)} ${w.unit}`);
        // What the children say about themselves goes into the header.
        f.threads = Number(r.json!.threads);
        if (f.id.startsWith("gradstack"))
          f.detail = [r.json!.backend, r.json!.kernel].filter(Boolean).join(", ");
        else if (f.id === "tfjs-wasm")
          f.detail = `tfjs-core ${String(r.json!.version)}, ${String(r.json!.kernel)}`;
        else f.detail = `${f.id.slice("torch:".length)}, ${String(r.json!.blas)}`;
      }
      console.error(`${id} ${rep}/${opts.reps}: ${seen.join(", ")}`);
    }
  }

  let profile: ProfileRow[] | undefined;
  if (opts.profile) {
    const r = runChild(
      process.execPath,
      [stepJs, "profile"],
      { GRADSTACK_NUM_THREADS: String(opts.threads) },
      900,
    );
    profile = r.json?.profile as ProfileRow[] | undefined;
    if (!profile) console.error(`profile failed: ${r.error}`);
  }

  const report: Report = {
    schema: 1,
    date: new Date().toISOString().slice(0, 16).replace("T", " ") + " UTC",
    command: benchCommand(argv),
    machine: machine(),
    node: process.version,
    threads: opts.threads,
    reps: opts.reps,
    load: { before: loadBefore, after: loadAverage() },
    frameworks,
    workloads,
    profile,
    wasmCompile: opts.wasm ? nodeCompileTimes() : undefined,
  };
  if (opts.json) writeFileSync(opts.json, JSON.stringify(report, null, 2) + "\n");
  console.log(reportMarkdown(report));
}

await main();

/** The command line as a reader would retype it, with the GRADSTACK_* settings it ran under. */
function benchCommand(argv: string[]): string {
  const env = Object.entries(process.env)
    .filter(([k, v]) => k.startsWith("GRADSTACK_") && v !== undefined)
    .map(([k, v]) => `${k}=${v} `)
    .join("");
  return env + (argv.length ? `npm run bench -- ${argv.join(" ")}` : "npm run bench");
}
