/**
 * What dropout costs inside the fused causal attention kernels: CPU time per forward + backward call of
 * the backend's kernels (GRADSTACK_BACKEND, native by default) without and with dropout, interleaved
 * so that both see the same machine load. CPU time, not wall time: with GRADSTACK_NUM_THREADS=1 it is
 * the kernel's work even on a shared machine.
 *   GRADSTACK_NUM_THREADS=1 node build/bench/attention-dropout.js [--B=8] [--T=256] [--nh=6] [--hs=64] [--reps=9]
 * GRADSTACK_ISA=avx2|generic times the addon's variant for that instruction set (each has its own
 * register-block shape); the GPT bench's shape is --B=12 --T=64 --nh=4 --hs=32.
 */
import { kernels } from "../src/backend/index.js";
import type { DropoutMask } from "../src/backend/types.js";
import { benchArgs } from "./args.js";

const { options } = benchArgs({
  usage: "GRADSTACK_NUM_THREADS=1 node build/bench/attention-dropout.js [options]",
  options: {
    B: { type: "integer", default: 8, description: "batch" },
    T: { type: "integer", default: 256, description: "sequence length" },
    nh: { type: "integer", default: 6, description: "heads" },
    hs: { type: "integer", default: 64, description: "head size" },
    reps: { type: "integer", default: 9, description: "interleaved calls of each kind" },
  },
});
const { B, T, nh, hs, reps } = options;
const be = kernels();
const C = nh * hs;
const qkv = new Float32Array(B * T * 3 * C).map(() => Math.random() - 0.5);
const dout = new Float32Array(B * T * C).map(() => Math.random() - 0.5);
const out = new Float32Array(B * T * C);
const lse = new Float32Array(B * nh * T);
const dqkv = new Float32Array(qkv.length);
const scale = 1 / Math.sqrt(hs);
const mask: DropoutMask = {
  key0: 0x1234,
  key1: 0x5678,
  threshold: Math.round(0.2 * 2 ** 32),
  scale: 1 / 0.8,
};

/** CPU milliseconds of one forward and one backward call. */
function step(dropout?: DropoutMask): [number, number] {
  const t0 = process.cpuUsage();
  be.causalAttention(qkv, out, lse, B, T, nh, hs, scale, dropout);
  const t1 = process.cpuUsage(t0);
  const t2 = process.cpuUsage();
  be.causalAttentionBackward(qkv, out, dout, lse, dqkv, B, T, nh, hs, scale, dropout);
  const t3 = process.cpuUsage(t2);
  return [(t1.user + t1.system) / 1000, (t3.user + t3.system) / 1000];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const runs = { plain: [[], []] as number[][], dropout: [[], []] as number[][] };
step();
step(mask);
for (let r = 0; r < reps; r++)
  for (const [name, m] of [
    ["plain", undefined],
    ["dropout", mask],
  ] as const) {
    const [f, b] = step(m);
    runs[name][0].push(f);
    runs[name][1].push(b);
  }
console.log(
  `${be.name} causal attention B=${B} T=${T} nh=${nh} hs=${hs}, median CPU ms of ${reps} interleaved calls`,
);
for (const [i, pass] of ["forward", "backward"].entries()) {
  const [p, d] = [median(runs.plain[i]), median(runs.dropout[i])];
  console.log(
    `${pass.padEnd(9)} without ${p.toFixed(2)}  with dropout ${d.toFixed(2)}  (+${((d / p - 1) * 100).toFixed(1)}%)`,
  );
}
