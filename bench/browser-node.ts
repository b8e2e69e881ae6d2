/**
 * The Node twin of a bench:browser row (bench/browser.ts): the same step on the same wasm module
 * (SIMD128 or relaxed SIMD, as chromium got) and thread count, in a fresh Node process (bench/step.ts),
 * so that one run says whether the backend is as fast in the browser as in Node.
 */
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import type { StepReply } from "./browser-workers.js";

const stepJs = path.join(path.dirname(fileURLToPath(import.meta.url)), "step.js");

/** `id`'s step times in Node on wasm with `threads` threads and the relaxed-SIMD module or not. */
export function nodeWasmStep(
  id: string,
  threads: number,
  relaxedSimd: boolean,
  warmup: number,
  steps: number,
): StepReply {
  const env = {
    ...process.env,
    GRADSTACK_BACKEND: "wasm",
    GRADSTACK_WASM_THREADS: String(threads),
    GRADSTACK_WASM_RELAXED: relaxedSimd ? "1" : "0",
  };
  const args = [stepJs, id, "--steps", String(steps), "--warm", String(warmup)];
  const out = execFileSync(process.execPath, args, { env, encoding: "utf8" });
  const run = JSON.parse(out.trim().split("\n").pop()!) as { threads: number; times_ms: number[] };
  return {
    backend: `wasm ${relaxedSimd ? "relaxed-simd" : "simd128"} in Node ${process.version}`,
    threads: run.threads,
    times: run.times_ms,
  };
}
