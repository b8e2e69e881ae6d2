/** Timing and reporting helpers for `npm run bench:gemm` (never used by tests). */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

export interface Row {
  name: string;
  value: number;
  unit: string;
  /** The PyTorch figure for the same workload, measured in the same run, when available. */
  torch?: number;
}

/** Median wall time in ms of `fn` after `warm` untimed calls, over at most `reps` calls or `maxMs`. */
export function timeit(fn: () => void, opts: { warm?: number; reps?: number; maxMs?: number } = {}): number {
  const { warm = 2, reps = 10, maxMs = 5000 } = opts;
  for (let i = 0; i < warm; i++) fn();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < reps && (times.length < 3 || performance.now() - start < maxMs)) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/** The process's CPU time in ms (user + system, every thread): steadier than the wall clock on a shared machine. */
export const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/**
 * Median, fastest and slowest ms per call of `fn` by `clock`, over 15 batches of calls long enough for
 * the clock (~20 ms each), after 3 warm-up calls.
 */
export function timeCall(fn: () => void, clock: () => number): { med: number; min: number; max: number } {
  for (let i = 0; i < 3; i++) fn();
  const t0 = performance.now();
  fn();
  const once = Math.max(performance.now() - t0, 0.005);
  const inner = Math.max(1, Math.round(20 / once));
  const times: number[] = [];
  for (let r = 0; r < 15; r++) {
    const s = clock();
    for (let i = 0; i < inner; i++) fn();
    times.push((clock() - s) / inner);
  }
  times.sort((x, y) => x - y);
  return { med: times[Math.floor(times.length / 2)], min: times[0], max: times[times.length - 1] };
}

export function printTable(title: string, rows: Row[]): void {
  console.log(`\n${title}`);
  const hasTorch = rows.some((r) => r.torch !== undefined);
  // The last column is gradstack's speed relative to PyTorch (> 1: faster), for times and rates alike.
  const speedup = (r: Row) => (r.unit === "ms" ? r.torch! / r.value : r.value / r.torch!);
  const head = ["workload", "gradstack", "unit", ...(hasTorch ? ["PyTorch", "speed vs PyTorch"] : [])];
  const body = rows.map((r) => [
    r.name,
    r.value.toFixed(2),
    r.unit,
    ...(hasTorch ? [r.torch?.toFixed(2) ?? "-", r.torch ? speedup(r).toFixed(2) + "×" : "-"] : []),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => "| " + cells.map((c, i) => c.padEnd(widths[i])).join(" | ") + " |";
  console.log(line(head));
  console.log("|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|");
  for (const b of body) console.log(line(b));
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** The PyTorch twins of the benchmarks. */
export const localTorchDir = path.join(repoRoot, "bench/torch");

/**
 * Runs one of bench/torch's scripts with Debian's python (PyTorch 1.13 with OpenBLAS, see
 * bench/README.md) and returns its JSON lines, or null when PyTorch is not installed.
 */
export function runTorch(script: string, args: string[]): Record<string, unknown>[] | null {
  const file = path.join(localTorchDir, script);
  if (!existsSync(file) || !existsSync("/usr/bin/python3")) return null;
  try {
    const out = execFileSync("/usr/bin/python3", [file, ...args], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
    return out
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  } catch {
    return null;
  }
}
