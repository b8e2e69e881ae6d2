/**
 * `npm run bench`: speed of the active backend, with PyTorch's figures from the same run when
 * ../shared/bench/torch is set up. Set GRADSTACK_BACKEND=js|native to pick a backend, and
 * BENCH_TORCH=0 to skip PyTorch.
 */
import * as gs from "gradstack";
import { benchElementwise } from "./elementwise.js";
import { benchMatmul } from "./matmul.js";
import { benchGpt } from "./gpt.js";
import { benchMlp } from "./mlp.js";
import { benchLstm } from "./lstm.js";
import { benchSeq2seq } from "./seq2seq.js";
import { profileGpt } from "./profile-gpt.js";
import { printTable } from "./util.js";

const withTorch = process.env.BENCH_TORCH !== "0";
const be = gs.backend();
console.log(
  `gradstack benchmarks — backend ${be.name} (${be.isa}, ${be.nativeKernels.length} native kernels), ${be.threads} thread(s), node ${process.version}`,
);
printTable("Elementwise", benchElementwise());
const sizes = be.name === "cpu-js" ? [256, 512, 1024] : [256, 512, 1024, 2048];
printTable("Matmul (float32, square)", benchMatmul(sizes, withTorch));
printTable("MLP training step", benchMlp(withTorch));
printTable("GPT training step (nanoGPT CPU config: L4 H4 E128 T64 B12, AdamW)", benchGpt("gpt", withTorch));
printTable("Character LSTM language model step (E64 H256 T64 B32, Adam)", benchLstm(withTorch));
printTable(
  "GRU + attention translation step (notebook-3 sizes, B128 S14 T15, Adam)",
  benchSeq2seq(withTorch),
);
if (process.env.BENCH_LARGE === "1")
  printTable("GPT training step (L6 H8 E256 T128 B32)", benchGpt("gptlarge", withTorch));
console.log("\nGPT step by op class (ms per step, share of the step)");
for (const r of profileGpt())
  console.log(
    `| ${r.name.padEnd(48)} | ${r.ms.toFixed(2).padStart(7)} | ${(r.share * 100).toFixed(1).padStart(5)}% |`,
  );
