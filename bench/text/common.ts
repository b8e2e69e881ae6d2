/** Shared helpers of the text benchmarks: paths, the Python side (gensim, scikit-learn), tables. */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (this file runs from build/bench/text/). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
/** The project's shared data collection (not shipped): ../shared/data beside the repository. */
export const sharedData = process.env.GS_SHARED_DATA ?? path.resolve(repoRoot, "../shared/data");
/** Where prepare.py writes the tokenized inputs and the scripts their vectors. */
export const outDir = process.env.GS_BENCH_OUT ?? "/tmp/gradstack-bench-text";
/** Debian's python3, which has python3-gensim and python3-sklearn. */
const python = process.env.PYTHON ?? "/usr/bin/python3";

/** Runs bench/text/<script> and parses the JSON it prints. */
export function runPython<T>(script: string, args: string[], input?: string): T {
  const file = path.join(repoRoot, "bench/text", script);
  try {
    const out = execFileSync(python, [file, ...args], {
      input,
      encoding: "utf8",
      maxBuffer: 1 << 30,
      env: { ...process.env, GS_SHARED_DATA: sharedData, PYTHONWARNINGS: "ignore" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    return JSON.parse(out) as T;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(
      `${script} failed (${python}; apt-get install python3-gensim python3-sklearn): ${err.stderr || err.message}`,
    );
  }
}

/** Tokenizes the benchmark data once (prepare.py) unless it is already there. */
export function prepare(): void {
  if (["lee-train.txt", "lee-test.txt", "w2v-corpus.txt"].every((f) => existsSync(path.join(outDir, f))))
    return;
  execFileSync(python, [path.join(repoRoot, "bench/text/prepare.py"), outDir], {
    stdio: "inherit",
    env: { ...process.env, GS_SHARED_DATA: sharedData },
  });
}

/** A prepared file as token arrays, one per line. */
export function readTokens(name: string): string[][] {
  return readFileSync(path.join(outDir, name), "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => l.split(" "));
}

export function meanSd(xs: number[]): { mean: number; sd: number } {
  const mean = xs.reduce((s, v) => s + v, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(1, xs.length - 1));
  return { mean, sd };
}

export function fmtMeanSd(xs: number[], digits: number): string {
  const { mean, sd } = meanSd(xs);
  return `${mean.toFixed(digits)} ± ${sd.toFixed(digits)}`;
}

/** Prints a Markdown table. */
export function printTable(head: string[], rows: (string | number)[][]): void {
  const cells = rows.map((r) => r.map(String));
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  console.log(line(head));
  console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const r of cells) console.log(line(r));
}
