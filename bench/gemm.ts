/**
 * Raw sgemm throughput of the backends' matmul kernels (no tensor layer): the native addon at
 * 256–2048 and on the GPT training shapes (M = 768 tokens, K, N ∈ {128, 384, 512}, for the forward
 * A·B and the backward A·Bᵀ and Aᵀ·B), the char-LSTM's per-step recurrent shapes (B = 32 rows), and
 * cpu-js at 256/512 (it is slow). GFLOP/s = 2·M·N·K / time,
 * median of several runs. PyTorch's torch.mm on the same shapes and layouts (bench/torch/gemm_shapes.py)
 * runs after gradstack's rows, when it is installed.
 */
import { cpuJs } from "../src/backend/cpu-js.js";
import { kernels } from "../src/backend/index.js";
import { loadNative } from "../src/backend/native.js";
import type { Backend, MatmulParams } from "../src/backend/types.js";
import { runTorch, timeit, type Row } from "./util.js";

export type { Row };

function randomF32(n: number): Float32Array {
  const a = new Float32Array(n);
  let s = 1;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    a[i] = s / 1073741824 - 1;
  }
  return a;
}

/** A call of out = op(A)·op(B) on random data, with out m×n and inner dimension k. */
function matmulCall(
  be: Pick<Backend, "matmul">,
  m: number,
  n: number,
  k: number,
  transA = false,
  transB = false,
): () => void {
  const a = randomF32(m * k);
  const b = randomF32(k * n);
  const out = new Float32Array(m * n);
  const p: MatmulParams = {
    batch: 1,
    m,
    n,
    k,
    transA,
    transB,
    lda: transA ? m : k,
    ldb: transB ? k : n,
    aOffset: 0,
    bOffset: 0,
    aBatchStride: 0,
    bBatchStride: 0,
  };
  return () => be.matmul(a, b, out, p);
}

/** One n³ float32 matmul into a preallocated output on the active backend's kernel (no tensor layer). */
export function sgemmStep(n: number): () => void {
  return matmulCall(kernels(), n, n, n);
}

/** GFLOP/s of a call that does `flop` floating-point operations. */
function gflops(call: () => void, flop: number): number {
  // About 0.3 s of runs per shape (at least 5), after warm-up.
  const once = timeit(call, { warm: 2, reps: 3 });
  const reps = Math.max(5, Math.min(200, Math.round(300 / Math.max(once, 1e-3))));
  const ms = timeit(call, { warm: 1, reps, maxMs: 3000 });
  return flop / (ms * 1e6);
}

export async function benchGemm(withTorch = true): Promise<Row[]> {
  const rows: Row[] = [];
  const row = (name: string, ...call: Parameters<typeof matmulCall>) => {
    const [, m, n, k] = call;
    rows.push({ name, value: gflops(matmulCall(...call), 2 * m * n * k), unit: "GFLOP/s" });
  };
  const native = loadNative();
  if ("backend" in native && native.backend.matmul) {
    const nb = { matmul: native.backend.matmul };
    for (const s of [256, 512, 1024, 2048]) row(`native sgemm ${s}³`, nb, s, s, s);
    for (const k of [128, 384, 512])
      for (const n of [128, 384, 512]) {
        const shape = `M768 K${k} N${n}`;
        row(`native ${shape} A·B`, nb, 768, n, k);
        row(`native ${shape} A·Bᵀ`, nb, 768, n, k, false, true);
        row(`native ${shape} Aᵀ·B`, nb, 768, n, k, true, false);
      }
    // The char-LSTM's per-step recurrent GEMMs (B32 H256, 4 gates): h·W_hhᵀ forward, dgates·W_hh backward.
    row("native LSTM step h·W_hhᵀ (M32 K256 N1024)", nb, 32, 1024, 256, false, true);
    row("native LSTM step dg·W_hh (M32 K1024 N256)", nb, 32, 256, 1024);
  }
  const torch = withTorch ? runTorch("gemm_shapes.py", []) : null;
  for (const r of rows) {
    const t = torch?.find((t) => `native ${String(t.workload)}` === r.name);
    if (t) r.torch = Number(t.throughput);
  }
  for (const s of [256, 512]) row(`cpu-js sgemm ${s}³`, cpuJs, s, s, s);
  return rows;
}
