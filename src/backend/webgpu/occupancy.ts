/**
 * The occupancy report: every dispatch recorded while it listens, read through its kernel's work
 * description (work.ts) and grouped by specialisation (kernel, workgroups, work). Flags what is slow on
 * any GPU whatever its clock: too few threads or workgroups to fill the chip, or a thread that loops
 * over thousands of iterations in series. bench/webgpu-occupancy.ts prints it for a GPT step.
 */
import type { Dispatch, GpuContext } from "./context.js";
import type { Groups, Work, WorkTable } from "./work.js";
import { WORK as adam } from "./adam.js";
import { WORK as attention } from "./attention.js";
import { WORK as clip } from "./clip.js";
import { WORK as context } from "./context.js";
import { WORK as crossEntropy } from "./cross-entropy.js";
import { WORK as elementwise } from "./elementwise.js";
import { WORK as epilogue } from "./epilogue.js";
import { WORK as gelu } from "./gelu.js";
import { WORK as indexing } from "./indexing.js";
import { WORK as layerNorm } from "./layer-norm.js";
import { WORK as matmul } from "./matmul.js";
import { WORK as random } from "./random.js";
import { WORK as recurrent } from "./recurrent-gates.js";
import { WORK as reduce } from "./reduce.js";
import { WORK as softmax } from "./softmax.js";

const TABLE: WorkTable = Object.assign(
  {},
  adam,
  attention,
  clip,
  context,
  crossEntropy,
  elementwise,
  epilogue,
  gelu,
  indexing,
  layerNorm,
  matmul,
  random,
  recurrent,
  reduce,
  softmax,
);

/** Fewer threads than this leave most of a large GPU idle (an H200 holds 270k resident threads). */
export const FEW_THREADS = 8192;
/** Fewer workgroups than two per SM of a 132-SM GPU (H100/H200 class): SMs idle, one group each. */
export const FEW_GROUPS = 264;
/** A thread looping longer than this in series costs its latency however many threads run beside it. */
export const LONG_LOOP = 1024;
/** A dispatch this small (short loop, under 1 MiB) ends in microseconds whatever its shape: not flagged. */
const TINY_LOOP = 64;
const TINY_BYTES = 1 << 20;

/**
 * The work of a dispatch by its kernel name: the name itself, else its prefixes cut at ' ', ':' or '+'
 * ("matmul:64x64:subgroups+bias" is "matmul:64x64"'s). A kernel without a description is an error.
 */
export function workOf(kernel: string, params: readonly number[], groups: Groups): Work {
  for (let name = kernel; name.length > 0; name = name.replace(/[ :+][^ :+]*$/, "")) {
    const of = TABLE[name];
    if (of !== undefined) return of(params, groups);
    if (!/[ :+]/.test(name)) break;
  }
  throw new Error(`webgpu occupancy: the kernel ${kernel} has no work description (work.ts)`);
}

/** What a dispatch's shape says about its speed on a GPU ("few threads", "few groups", "long loop"). */
export function flagsOf(groups: number, threads: number, work: Work): string[] {
  const flags: string[] = [];
  const tiny = work.loop <= TINY_LOOP && work.bytes < TINY_BYTES;
  if (!tiny && threads < FEW_THREADS) flags.push("few threads");
  if (!tiny && groups < FEW_GROUPS) flags.push("few groups");
  if (work.loop > LONG_LOOP) flags.push("long loop");
  return flags;
}

/** One kernel specialisation of a recording: its dispatches share kernel, workgroups and work. */
export interface OccupancyRow {
  kernel: string;
  dispatches: number;
  /** Workgroups and threads of one dispatch. */
  groups: number;
  groupSize: number;
  threads: number;
  loop: number;
  /** Over all its dispatches. */
  bytes: number;
  flops: number;
  flags: string[];
}

/** Listens to `ctx`'s dispatches until `stop()`, which returns the rows in order of first dispatch. */
export function recordOccupancy(ctx: GpuContext): { stop(): OccupancyRow[] } {
  const rows = new Map<string, OccupancyRow>();
  const previous = ctx.observer;
  ctx.observer = (d: Dispatch, g: Groups) => {
    const work = workOf(d.kernel, d.params, g);
    const groups = g[0] * g[1] * g[2];
    const key = `${d.kernel}|${g.join("x")}|${work.groupSize}|${work.loop}|${work.bytes}|${work.flops}`;
    const row = rows.get(key);
    if (row !== undefined) {
      row.dispatches++;
      row.bytes += work.bytes;
      row.flops += work.flops;
      return;
    }
    const threads = groups * work.groupSize;
    rows.set(key, {
      kernel: d.kernel,
      dispatches: 1,
      groups,
      groupSize: work.groupSize,
      threads,
      loop: work.loop,
      bytes: work.bytes,
      flops: work.flops,
      flags: flagsOf(groups, threads, work),
    });
  };
  return {
    stop() {
      ctx.observer = previous;
      return [...rows.values()];
    },
  };
}
