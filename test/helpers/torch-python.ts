/** A python3 with PyTorch for the hand-over tests, found (or installed, as root) by scripts/ensure-torch.mjs. */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { repoRoot } from "./fixtures.js";

interface EnsureTorch {
  ensureTorch(): string | null;
  INSTALL_HINT: string;
}

const script = pathToFileURL(path.join(repoRoot, "scripts/ensure-torch.mjs")).href;
const ensure = (await import(script)) as EnsureTorch;

/** The python3 to run, or null; `skipReason` says how to get one. */
export const torchPython: string | null = ensure.ensureTorch();
export const skipReason = torchPython ? false : `PyTorch is not installed: ${ensure.INSTALL_HINT}`;

/** Runs a python script of scripts/torch (or `-c CODE`) and returns its stdout; a failure throws with its stderr. */
export function runPython(args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): string {
  const r = spawnSync(torchPython!, args, {
    cwd: opts.cwd ?? repoRoot,
    encoding: "utf8",
    timeout: opts.timeoutMs ?? 300_000,
    env: { ...process.env, OMP_NUM_THREADS: "1" },
  });
  if (r.status !== 0)
    throw new Error(`${torchPython} ${args.join(" ")} exited with ${r.status}:\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}

/** The JSON lines of scripts/torch/continue.py's output with this event. */
export function events(stdout: string, event: string): Record<string, number>[] {
  return stdout
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l))
    .filter((e) => e.event === event);
}
