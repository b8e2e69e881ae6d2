/**
 * The GPT step's non-GEMM kernels alone, at the nanoGPT CPU recipe's shapes (B12 T64, 4 heads of 32,
 * E128, 4 layers): `GRADSTACK_NUM_THREADS=2 node build/bench/gpt-kernels.js [--clock=wall]
 * [--only=attention,gelu]`. Times causal attention forward and backward, GELU (tanh) and its backward,
 * layerNorm and its backward through the active backend's kernels on random data, and prints ms per
 * call, ms per step (the calls one step makes) and, for attention, GFLOP/s of its causal products.
 * The default clock is the process's CPU time (steadier on a shared machine: at one thread it is the
 * kernel's own time; at two it counts both threads, spinning included).
 */
import { kernels } from "../src/backend/index.js";
import { cpuMs, timeCall } from "./util.js";
import { benchArgs } from "./args.js";

const { options } = benchArgs({
  usage: "GRADSTACK_NUM_THREADS=2 node build/bench/gpt-kernels.js [options]",
  options: {
    clock: {
      type: "string",
      default: "cpu",
      choices: ["cpu", "wall"],
      description: "the process's CPU time or the wall clock",
    },
    only: {
      type: "list",
      choices: ["attention", "gelu", "layerNorm"],
      description: "the kernel groups to time, all by default",
    },
  },
});

const B = 12,
  T = 64,
  nh = 4,
  hs = 32,
  C = nh * hs,
  layers = 4;

function randomF32(n: number, seed: number, amp = 1): Float32Array {
  const a = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    a[i] = (s / 1073741824 - 1) * amp;
  }
  return a;
}

const clock = options.clock === "wall" ? () => performance.now() : cpuMs;
const only = options.only;

const be = kernels();
const qkv = randomF32(B * T * 3 * C, 1);
const out = new Float32Array(B * T * C);
const lse = new Float32Array(B * nh * T);
const dout = randomF32(B * T * C, 2);
const dqkv = new Float32Array(B * T * 3 * C);
const scale = 1 / Math.sqrt(hs);
be.causalAttention(qkv, out, lse, B, T, nh, hs, scale);

const H = B * T * 4 * C; // the MLP's hidden activations
const hx = randomF32(H, 3, 3);
const hg = randomF32(H, 4);
const hy = new Float32Array(H);
const rows = B * T;
const lx = randomF32(rows * C, 5, 2);
const lw = randomF32(C, 6);
const lg = randomF32(rows * C, 8);
const lo = new Float32Array(rows * C);
const mean = new Float32Array(rows);
const rstd = new Float32Array(rows);
const ldx = new Float32Array(rows * C);
const ldw = new Float32Array(C);
be.layerNorm(lx, lw, null, lo, mean, rstd, rows, C, 1e-5);

// Multiply-adds of the causal products (scores, P·V; backward: scores, dP, dQ, dK, dV), 2 flops each.
const causalPairs = B * nh * ((T * (T + 1)) / 2);
const cases: { group: string; name: string; perStep: number; flop?: number; fn: () => void }[] = [
  {
    group: "attention",
    name: "causalAttention",
    perStep: layers,
    flop: 2 * 2 * causalPairs * hs,
    fn: () => be.causalAttention(qkv, out, lse, B, T, nh, hs, scale),
  },
  {
    group: "attention",
    name: "causalAttentionBackward",
    perStep: layers,
    flop: 5 * 2 * causalPairs * hs,
    fn: () => be.causalAttentionBackward(qkv, out, dout, lse, dqkv, B, T, nh, hs, scale),
  },
  { group: "gelu", name: "gelu (tanh)", perStep: layers, fn: () => be.gelu(hx, hy, true) },
  {
    group: "gelu",
    name: "geluBackward (tanh)",
    perStep: layers,
    fn: () => be.geluBackward(hg, hx, hy, true),
  },
  {
    group: "layerNorm",
    name: "layerNorm",
    perStep: 2 * layers + 1,
    fn: () => be.layerNorm(lx, lw, null, lo, mean, rstd, rows, C, 1e-5),
  },
  {
    group: "layerNorm",
    name: "layerNormBackward",
    perStep: 2 * layers + 1,
    fn: () => be.layerNormBackward(lg, lx, lw, mean, rstd, ldx, ldw, null, rows, C),
  },
];

console.log(
  `GPT step kernels on ${be.name}, ${be.threads} thread(s), clock ${clock === cpuMs ? "cpu" : "wall"}`,
);
for (const c of cases) {
  if (only && !only.includes(c.group)) continue;
  const t = timeCall(c.fn, clock);
  const rate = c.flop ? `  ${(c.flop / t.med / 1e6).toFixed(1).padStart(6)} GFLOP/s` : "";
  console.log(
    `${c.name.padEnd(24)} ${t.med.toFixed(4)} ms/call (${t.min.toFixed(4)}-${t.max.toFixed(4)})  ` +
      `${c.perStep}× ${(t.med * c.perStep).toFixed(3)} ms/step${rate}`,
  );
}
