/**
 * The JSON that `npm run bench -- --json FILE` writes, and the Markdown it prints (the same text
 * bench/table.ts prints from saved JSON, so README and BENCHMARKS tables can be regenerated).
 */
import type { Machine } from "./machine.js";
import { median, type Workload } from "./workloads.js";
import { compileTimesLine, type CompileTime } from "./wasm-compile.js";

export interface Framework {
  /** "gradstack", or "torch:" + the python that ran it. */
  id: string;
  /** Column title: "gradstack", "PyTorch 2.13.0+cpu". */
  label: string;
  /** Backend and GEMM kernel, or python and BLAS. */
  detail: string;
  threads?: number;
  /** Why it did not run, when it did not. */
  missing?: string;
}

export interface WorkloadResult {
  id: string;
  title: string;
  unit: Workload["unit"];
  /** Per framework id, one figure per repetition that ran. */
  values: Record<string, number[]>;
  /** Per framework id, the last error of a repetition that failed. */
  errors: Record<string, string>;
}

export interface ProfileRow {
  name: string;
  ms: number;
  share: number;
}

export interface Report {
  schema: 1;
  date: string;
  command: string;
  machine: Machine;
  node: string;
  threads: number;
  reps: number;
  load: { before: number[]; after: number[] };
  frameworks: Framework[];
  workloads: WorkloadResult[];
  profile?: ProfileRow[];
  /** WebAssembly.compile of each wasm module variant, a fresh Node process each (bench/wasm-compile.ts). */
  wasmCompile?: CompileTime[];
}

function fmt(x: number, unit: string): string {
  const digits = unit !== "ms" || x >= 100 ? 0 : x >= 10 ? 1 : 2;
  return x.toFixed(digits);
}

/** "46.1 ms (44.0–48.2)": the median of the repetitions and their range; "—" when none ran. */
function cell(values: number[] | undefined, unit: string): string {
  if (!values?.length) return "—";
  const m = `${fmt(median(values), unit)} ${unit}`;
  if (values.length === 1) return m;
  return `${m} (${fmt(Math.min(...values), unit)}–${fmt(Math.max(...values), unit)})`;
}

/** gradstack's speed over the other's, from the medians (above 1: gradstack is faster). */
function ratio(w: WorkloadResult, other: string): string {
  const g = w.values.gradstack;
  const o = w.values[other];
  if (!g?.length || !o?.length) return "—";
  const r = w.unit === "ms" ? median(o) / median(g) : median(g) / median(o);
  return `${r.toFixed(2)}×`;
}

function markdown(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => "| " + cells.map((c, i) => c.padEnd(widths[i])).join(" | ") + " |";
  return [line(head), "| " + widths.map((w) => "-".repeat(w)).join(" | ") + " |", ...rows.map(line)].join(
    "\n",
  );
}

function shortLabel(f: Framework): string {
  return f.label.replace(/^PyTorch /, "");
}

/** One row per (label, workload result): gradstack, then each PyTorch and gradstack's speed over it. */
function resultRows(frameworks: Framework[], rows: [string, WorkloadResult][], first: string): string {
  const others = frameworks.filter((f) => f.id !== "gradstack");
  const head = [first, "gradstack", ...others.flatMap((f) => [f.label, `speed vs ${shortLabel(f)}`])];
  const body = rows.map(([label, w]) => [
    label,
    cell(w.values.gradstack, w.unit),
    ...others.flatMap((f) => [cell(w.values[f.id], w.unit), ratio(w, f.id)]),
  ]);
  return markdown(head, body);
}

/** The lines above the table: machine, threads, load, versions, how the figures were taken. */
export function describeRun(r: Report): string[] {
  const m = r.machine;
  const fw = r.frameworks.map((f) =>
    f.missing ? `${f.label}: not measured (${f.missing})` : `${f.label} (${f.detail})`,
  );
  const threads = r.frameworks
    .filter((f) => !f.missing && f.threads !== undefined && f.threads !== r.threads)
    .map((f) => `${f.label} ran ${f.threads}`);
  return [
    `${r.date}, \`${r.command}\``,
    `${m.cpu}, ${m.cores} cores, ${m.isa} (${m.os}); load average ${r.load.before[0]} before, ${r.load.after[0]} after`,
    `${r.threads} thread(s) for every framework${threads.length ? ` (but ${threads.join(", ")})` : ""}; ` +
      `${r.reps} repetition(s), each a fresh process, interleaved (gradstack, then each other framework); ` +
      `median (min–max) of the repetitions, each the median of its timed steps`,
    `node ${r.node}; ${fw.join("; ")}`,
  ];
}

export function resultsTable(r: Report): string {
  return resultRows(
    r.frameworks,
    r.workloads.map((w) => [w.title, w]),
    "workload",
  );
}

export function profileTable(rows: ProfileRow[]): string {
  return markdown(
    ["op class", "ms per step", "share"],
    rows.map((p) => [p.name, p.ms.toFixed(2), `${(p.share * 100).toFixed(1)}%`]),
  );
}

/** The whole Markdown report of one run. */
export function reportMarkdown(r: Report): string {
  const parts = [describeRun(r).join("  \n"), resultsTable(r)];
  for (const w of r.workloads)
    for (const [id, e] of Object.entries(w.errors))
      parts.push(`${w.id} on ${r.frameworks.find((f) => f.id === id)?.label ?? id} failed: ${e}`);
  if (r.profile) parts.push(`GPT step by op class (gradstack):\n\n${profileTable(r.profile)}`);
  if (r.wasmCompile)
    parts.push(`wasm modules, WebAssembly.compile in Node: ${compileTimesLine(r.wasmCompile)}`);
  return parts.join("\n\n");
}

/** Thread scaling from runs at several thread counts: one table per workload, a row per count. */
export function threadsMarkdown(runs: Report[]): string {
  const sorted = [...runs].sort((a, b) => a.threads - b.threads);
  const frameworks = sorted[0].frameworks;
  const ids = [...new Set(sorted.flatMap((r) => r.workloads.map((w) => w.id)))];
  const loads = sorted.map((r) => `${r.threads} thread(s) ${r.load.before[0]} → ${r.load.after[0]}`);
  const parts = [
    [...describeRun(sorted[0]).slice(1), `load average before → after each run: ${loads.join(", ")}`].join(
      "  \n",
    ),
  ];
  for (const id of ids) {
    const rows = sorted.flatMap((r) => {
      const w = r.workloads.find((w) => w.id === id);
      return w ? [[String(r.threads), w] as [string, WorkloadResult]] : [];
    });
    parts.push(`${rows[0][1].title}\n\n${resultRows(frameworks, rows, "threads")}`);
  }
  return parts.join("\n\n");
}
