/**
 * The workloads of `npm run bench`: each is timed by bench/step.ts (gradstack) and by
 * bench/torch/steps.py (PyTorch), one process per repetition, so both sides pay the same start-up.
 */
export interface Workload {
  id: string;
  title: string;
  /** "ms": a step's median time (lower is better); "GFLOP/s": `flop` over the median time. */
  unit: "ms" | "GFLOP/s";
  flop?: number;
  /** Untimed steps, then timed steps, per repetition. */
  warm: number;
  steps: number;
  /** The counts for TensorFlow.js's wasm twin (bench/tfjs-step.ts), which is far slower; none: no twin. */
  tfjs?: { warm: number; steps: number };
}

export const WORKLOADS: Workload[] = [
  {
    id: "gpt",
    title: "GPT step, nanoGPT CPU recipe (L4 H4 E128 T64 B12, AdamW)",
    unit: "ms",
    warm: 5,
    steps: 20,
    tfjs: { warm: 1, steps: 3 },
  },
  {
    id: "lstm",
    title: "char-LSTM step (E64 H256 T64 B32, Adam)",
    unit: "ms",
    warm: 5,
    steps: 20,
    tfjs: { warm: 1, steps: 3 },
  },
  {
    id: "mlp",
    title: "MLP 784-256-10 step (B128, Adam)",
    unit: "ms",
    warm: 20,
    steps: 100,
    tfjs: { warm: 5, steps: 20 },
  },
  {
    id: "sgemm",
    title: "sgemm 1024³ (kernel, preallocated output)",
    unit: "GFLOP/s",
    flop: 2 * 1024 ** 3,
    warm: 3,
    steps: 20,
    tfjs: { warm: 2, steps: 10 },
  },
  {
    id: "gptlarge",
    title: "GPT step, L6 H8 E256 T128 B32 (AdamW)",
    unit: "ms",
    warm: 2,
    steps: 5,
    tfjs: { warm: 1, steps: 2 },
  },
  {
    id: "seq2seq",
    title: "GRU + attention translation step (B128 S14 T15, Adam)",
    unit: "ms",
    warm: 2,
    steps: 5,
  },
];

/** What `npm run bench` runs without `--only`. */
export const DEFAULT_WORKLOADS = ["gpt", "lstm", "mlp", "sgemm"];

export function workload(id: string): Workload {
  const w = WORKLOADS.find((w) => w.id === id);
  if (!w) throw new Error(`unknown workload ${id} (known: ${WORKLOADS.map((w) => w.id).join(", ")})`);
  return w;
}

/** A repetition's figure from its step times: the median time, or GFLOP/s at the median time. */
export function repetitionValue(w: Workload, timesMs: number[]): number {
  const ms = median(timesMs);
  return w.unit === "ms" ? ms : w.flop! / (ms * 1e6);
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}
