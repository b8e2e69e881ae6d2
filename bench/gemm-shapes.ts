/**
 * A training step's own GEMMs, one shape at a time: `node build/bench/gemm-shapes.js
 * [gpt|gptlarge|lstm|mlp] [--threads=N] [--clock=cpu] [--torch]`. Records every matmul call of one
 * training step (bench/gpt.ts, lstm.ts, mlp.ts) with its exact parameters (sizes, transposes, leading dimensions), then
 * times each distinct call alone on random data through the active backend's kernel and prints its
 * calls per step, ms per step and GFLOP/s, and the total. `--clock=cpu` times with the process's CPU
 * time (steadier on a shared machine; at one thread it is the kernel's own time). `--torch` times
 * the same products with PyTorch 2.x's torch.mm (`python3`, bench/torch/gemm_shapes.py, same threads, wall clock). `--cold`
 * evicts the caches before every call (a 64 MiB sweep, untimed, on all of the backend's threads so
 * that no core's own cache keeps the operands), as a training step's backward finds its activations
 * in memory rather than in cache; with `--torch` PyTorch is timed after the same sweep on its threads,
 * and its warm total is printed beside its cold one. `--threads=N` (default GRADSTACK_NUM_THREADS, else
 * the core count) is the thread count of gradstack's backend and of PyTorch alike.
 */
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { kernels } from "../src/backend/index.js";
import type { Backend, MatmulParams } from "../src/backend/types.js";
import { GPT_CONFIGS, gptStep } from "./gpt.js";
import { lstmStep } from "./lstm.js";
import { mlpStep } from "./mlp.js";
import { benchArgs } from "./args.js";
import { cpuMs, localTorchDir, timeCall } from "./util.js";

type Kernel = "matmul" | "matmulBias";
interface Call {
  kernel: Kernel;
  p: MatmulParams;
  calls: number;
}

const describe = (c: Call) => {
  const { p } = c;
  const t = `${p.transA ? "Aᵀ" : "A"}·${p.transB ? "Bᵀ" : "B"}`;
  return `${c.kernel === "matmulBias" ? "+bias " : ""}${p.batch > 1 ? `${p.batch}× ` : ""}${p.m}×${p.n}×${p.k} ${t}`;
};

/** The distinct matmul calls of one step of `step` (after a warm-up step), in first-call order. */
export function recordCalls(step: () => void): Call[] {
  const be = kernels() as Backend & Record<Kernel, (...a: unknown[]) => void>;
  const calls = new Map<string, Call>();
  const saved = { matmul: be.matmul, matmulBias: be.matmulBias };
  step();
  for (const kernel of ["matmul", "matmulBias"] as const) {
    const inner = saved[kernel];
    if (inner === undefined) continue;
    be[kernel] = (...args: unknown[]) => {
      const p = args[args.length - 1] as MatmulParams;
      const key = `${kernel} ${JSON.stringify({ ...p, aOffset: 0, bOffset: 0 })}`;
      const c = calls.get(key) ?? { kernel, p: { ...p, aOffset: 0, bOffset: 0, bKey: 0 }, calls: 0 };
      c.calls++;
      calls.set(key, c);
      return (inner as (...a: unknown[]) => void).apply(be, args);
    };
  }
  try {
    step();
  } finally {
    Object.assign(be, saved);
  }
  return [...calls.values()];
}

function randomF32(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    a[i] = s / 1073741824 - 1;
  }
  return a;
}

/** Elements an operand of `rows` × `cols` (as stored) with leading dimension `ld` spans, per batch item. */
const span = (rows: number, ld: number) => rows * ld;

/** A call of `c` on random operands laid out as its parameters say. */
function callOf(c: Call): () => void {
  const { p } = c;
  const be = kernels();
  const aRows = p.transA ? p.k : p.m;
  const bRows = p.transB ? p.n : p.k;
  const aLen = Math.max(span(aRows, p.lda), 1) + (p.batch - 1) * p.aBatchStride;
  const bLen = Math.max(span(bRows, p.ldb), 1) + (p.batch - 1) * p.bBatchStride;
  const a = randomF32(aLen, 1);
  const b = randomF32(bLen, 2);
  const out = new Float32Array(p.batch * p.m * p.n);
  if (c.kernel === "matmulBias") {
    const bias = randomF32(p.n, 3);
    return () => be.matmulBias(a, b, bias, out, p);
  }
  return () => be.matmul(a, b, out, p);
}

const sweep = new Float32Array(16 << 20);
/**
 * Reads and writes every cache line of 64 MiB on the backend's threads (an elementwise kernel), so that
 * the next call finds its operands in memory: a sweep on the calling thread alone would leave the
 * workers' own caches holding what they last touched.
 */
function evictCaches(): void {
  kernels().unary("neg", sweep, sweep);
}

/** Median ms of one call after evicting the caches (over 31 calls). */
function timeCold(fn: () => void, clock: () => number): number {
  const times: number[] = [];
  for (let r = 0; r < 31; r++) {
    evictCaches();
    const s = clock();
    fn();
    times.push(clock() - s);
  }
  times.sort((x, y) => x - y);
  return times[Math.floor(times.length / 2)];
}

/**
 * ms per call of the same products with PyTorch's torch.mm, warm, and cold (after the same sweep) when
 * `cold`; null without PyTorch.
 */
function torchTimes(
  calls: Call[],
  threads: number,
  cold: boolean,
): { warm: number[]; cold?: number[] } | null {
  const spec = calls.map(({ p }) => [p.batch, p.m, p.n, p.k, p.transA ? 1 : 0, p.transB ? 1 : 0]);
  try {
    const out = execFileSync("python3", [path.join(localTorchDir, "gemm_shapes.py"), JSON.stringify(spec)], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
      env: { ...process.env, TORCH_THREADS: String(threads), GEMM_COLD: cold ? "1" : "0" },
    });
    const r = JSON.parse(out.trim().split("\n").pop()!) as number[] | { warm: number[]; cold: number[] };
    return Array.isArray(r) ? { warm: r } : r;
  } catch {
    return null;
  }
}

const STEPS: Record<string, () => () => void> = {
  ...Object.fromEntries(
    Object.keys(GPT_CONFIGS).map((c) => [c, () => gptStep(c as keyof typeof GPT_CONFIGS)]),
  ),
  lstm: lstmStep,
  mlp: mlpStep,
};
const { options, positionals } = benchArgs({
  usage: "node build/bench/gemm-shapes.js [STEP] [options]",
  positionals: [
    { name: "STEP", description: "the training step", choices: Object.keys(STEPS), default: "gpt" },
  ],
  options: {
    threads: {
      type: "integer",
      description:
        "threads of gradstack's backend and of PyTorch (default: GRADSTACK_NUM_THREADS, else the cores)",
    },
    clock: {
      type: "string",
      default: "wall",
      choices: ["wall", "cpu"],
      description: "time with the wall clock or the process's CPU time",
    },
    cold: { type: "boolean", description: "evict the caches (a 64 MiB sweep) before every call" },
    torch: { type: "boolean", description: "time the same products with PyTorch's torch.mm (python3)" },
  },
});
const which = positionals[0];
// The backends read the thread count when they load, on the first kernels() call below.
if (options.threads !== undefined) process.env.GRADSTACK_NUM_THREADS = String(options.threads);
const clock = options.clock === "cpu" ? cpuMs : () => performance.now();
const cold = options.cold;
const calls = recordCalls(STEPS[which]());
const { name, threads } = kernels();
if (options.threads !== undefined && threads !== options.threads)
  throw new Error(`--threads=${options.threads}, but the ${name} backend runs ${threads} thread(s)`);
const torchRun = options.torch ? torchTimes(calls, threads, cold) : null;
// The column beside gradstack's: PyTorch under the same condition (cold after the same sweep, or warm).
const torch = torchRun === null ? null : cold ? (torchRun.cold ?? null) : torchRun.warm;
console.log(
  `${which} step GEMMs on ${name}, ${threads} thread(s)${torchRun ? " (PyTorch too)" : options.torch ? ", no PyTorch (python3 failed)" : ""}, ` +
    `clock ${options.clock}${cold ? ", cold caches" : ""}`,
);
let totalMs = 0,
  totalFlop = 0,
  totalTorch = 0,
  totalTorchWarm = 0;
for (const [i, c] of calls.entries()) {
  const { p } = c;
  const flop = 2 * p.batch * p.m * p.n * p.k;
  const ms = cold ? timeCold(callOf(c), clock) : timeCall(callOf(c), clock).med;
  totalMs += ms * c.calls;
  totalFlop += flop * c.calls;
  const t = torch?.[i];
  if (t !== undefined) totalTorch += t * c.calls;
  totalTorchWarm += (torchRun?.warm[i] ?? 0) * c.calls;
  const vsTorch = t !== undefined ? `  torch ${(flop / t / 1e6).toFixed(1).padStart(6)} GFLOP/s` : "";
  console.log(
    `${describe(c).padEnd(26)} ${String(c.calls).padStart(3)}× ${(ms * c.calls).toFixed(3).padStart(7)} ms ` +
      `${(flop / ms / 1e6).toFixed(1).padStart(6)} GFLOP/s${vsTorch}`,
  );
}
const warmTorch = cold ? ` (warm ${totalTorchWarm.toFixed(2)} ms)` : "";
const vs =
  torch !== null
    ? `; torch ${totalTorch.toFixed(2)} ms, ${(totalFlop / totalTorch / 1e6).toFixed(1)} GFLOP/s${warmTorch}`
    : "";
console.log(
  `total ${calls.reduce((s, c) => s + c.calls, 0)} calls ${totalMs.toFixed(2)} ms, ` +
    `${(totalFlop / 1e9).toFixed(3)} GFLOP, ${(totalFlop / totalMs / 1e6).toFixed(1)} GFLOP/s${vs}`,
);
