/**
 * `npm run bench [-- options]`: gradstack beside PyTorch on this machine, in one run. For each
 * workload, each repetition runs gradstack, then every PyTorch found, each in a fresh process with
 * the same thread count; the table gives the median (min–max) of the repetitions and gradstack's
 * speed over each PyTorch. PyTorch comes from `python3` on PATH (a current wheel) and Debian's
 * `/usr/bin/python3` (1.13 with OpenBLAS), when they have it; a missing one is shown as "—".
 * The options are USAGE's below (`--help` prints them).
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
import { DEFAULT_WORKLOADS, repetitionValue, workload, type Workload } from "./workloads.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, "../..");
const stepJs = path.join(here, "step.js");
const stepsPy = path.join(repoRoot, "bench/torch/steps.py");

const USAGE = `usage: npm run bench [-- options]
  --threads=N     threads for every framework (default: GRADSTACK_NUM_THREADS, else the core count)
  --reps=R        repetitions (3)
  --only=a,b      workloads (default gpt,lstm,mlp,sgemm; also gptlarge, seq2seq)
  --steps=N       timed steps per repetition, for every workload (default: each its own)
  --json=FILE     also write the results as JSON (bench/table.ts prints them as Markdown again)
  --profile       also break a gradstack GPT step down by op class
  --pythons=a,b   the interpreters to look for PyTorch in (python3,/usr/bin/python3); --no-torch: none
  --no-wasm       leave out gradstack's wasm backend (by default a column of its own, beside native)
  --tfjs          add TensorFlow.js's wasm backend (bench/tfjs-step.ts; few steps: its GPT step takes seconds)
  --help          print this`;

interface Options {
  threads: number;
  reps: number;
  only: string[];
  steps?: number;
  json?: string;
  profile: boolean;
  pythons: string[];
  wasm: boolean;
  tfjs: boolean;
}

function parseOptions(argv: string[]): Options {
  const o: Options = {
    threads: Number(process.env.GRADSTACK_NUM_THREADS) || os.availableParallelism(),
    reps: 3,
    only: DEFAULT_WORKLOADS,
    profile: false,
    pythons: process.env.BENCH_TORCH === "0" ? [] : ["python3", "/usr/bin/python3"],
    wasm: true,
    tfjs: false,
  };
  const positiveInt = (name: string, v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} wants a positive integer, got ${v}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
    if (!m) throw new Error(`unexpected argument ${argv[i]} (see --help)`);
    const [, name, inline] = m;
    const value = () => inline ?? argv[++i] ?? "";
    if (name === "help") {
      console.log(USAGE);
      process.exit(0);
    } else if (name === "threads") o.threads = positiveInt(name, value());
    else if (name === "reps") o.reps = positiveInt(name, value());
    else if (name === "steps") o.steps = positiveInt(name, value());
    else if (name === "only") o.only = value().split(",").filter(Boolean);
    else if (name === "json") o.json = value();
    else if (name === "profile") o.profile = true;
    else if (name === "no-torch") o.pythons = [];
    else if (name === "no-wasm") o.wasm = false;
    else if (name === "tfjs") o.tfjs = true;
    else if (name === "pythons") o.pythons = value().split(",").filter(Boolean);
    else throw new Error(`unknown option --${name} (see --help)`);
  }
  o.only.forEach(workload); // unknown names fail here, before anything runs
  return o;
}

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
  const opts = parseOptions(argv);
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
