/**
 * Kernel profiling: wraps every kernel of a backend to count calls and time per kernel (and per op
 * for unary/binary/reduce), so a training step can be broken down by op class.
 */
import type { Backend } from "./types.js";

export interface KernelStat {
  calls: number;
  ms: number;
}

export type KernelProfile = Map<string, KernelStat>;

/** Milliseconds from some origin: the wall clock (performance.now) or, e.g., the process's CPU time. */
export type Clock = () => number;

/** A backend whose kernels record into `stats`, keyed "matmul", "binary:add", "layerNorm", ... */
export function profiled(
  inner: Backend,
  stats: KernelProfile,
  clock: Clock = () => performance.now(),
): Backend {
  const out: Record<string, unknown> = { ...inner };
  for (const [key, value] of Object.entries(inner)) {
    if (typeof value !== "function") continue; // the capabilities, copied above
    const fn = value as (...args: unknown[]) => unknown;
    out[key] = (...args: unknown[]) => {
      const name = typeof args[0] === "string" ? `${key}:${args[0]}` : key;
      const t0 = clock();
      const r = fn(...args);
      const s = stats.get(name) ?? { calls: 0, ms: 0 };
      s.calls++;
      s.ms += clock() - t0;
      stats.set(name, s);
      return r;
    };
  }
  return out as unknown as Backend;
}
