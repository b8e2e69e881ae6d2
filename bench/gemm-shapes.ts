/**
 * GFLOP/s of the GEMM kernel on the shapes of the char-LSTM step (bench/lstm.ts) and small GPT
 * shapes: `node build/bench/gemm-shapes.js`. Each line: m n k transA transB, the median time of
 * many calls and GFLOP/s (set GRADSTACK_NUM_THREADS for the thread count).
 */
import { kernels } from "../src/backend/index.js";
import { median } from "./workloads.js";

const SHAPES: [string, number, number, number, boolean, boolean][] = [
  ["lstm h·W_hhᵀ", 32, 1024, 256, false, true],
  ["lstm dhh·W_hh", 32, 256, 1024, false, false],
  ["lstm dW_hh", 1024, 256, 2048, true, false],
  ["lstm x·W_ihᵀ", 2048, 1024, 64, false, true],
  ["lstm dW_ih", 1024, 64, 2048, true, false],
  ["lstm dx", 2048, 64, 1024, false, false],
  ["gpt qkv", 768, 384, 128, false, true],
  ["gpt mlp up", 768, 512, 128, false, true],
  ["gpt mlp down", 768, 128, 512, false, true],
];

const k = kernels();
for (const [name, m, n, kk, tA, tB] of SHAPES) {
  const a = new Float32Array(m * kk).map(() => Math.random() - 0.5);
  const b = new Float32Array(kk * n).map(() => Math.random() - 0.5);
  const c = new Float32Array(m * n);
  const p = {
    batch: 1,
    m,
    n,
    k: kk,
    transA: tA,
    transB: tB,
    lda: tA ? m : kk,
    ldb: tB ? kk : n,
    aOffset: 0,
    bOffset: 0,
    aBatchStride: 0,
    bBatchStride: 0,
  };
  const reps = Math.max(5, Math.round(2e9 / (2 * m * n * kk)));
  const times: number[] = [];
  for (let r = 0; r < 7; r++) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) k.matmul(a, b, c, p);
    times.push((performance.now() - t0) / reps);
  }
  const ms = median(times);
  console.log(
    `${name.padEnd(16)} ${m}x${n}x${kk} ${tA ? "T" : "N"}${tB ? "T" : "N"}  ${(ms * 1000).toFixed(1)} µs  ${((2 * m * n * kk) / ms / 1e6).toFixed(1)} GFLOP/s`,
  );
}
