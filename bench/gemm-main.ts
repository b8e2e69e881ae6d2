/** Prints the sgemm table of bench/gemm.ts: `node build/bench/gemm-main.js`. */
import { loadNative, nativeInfo } from "../src/backend/native.js";
import { benchGemm } from "./gemm.js";
import { printTable } from "./util.js";
import { benchArgs } from "./args.js";

benchArgs({ usage: "node build/bench/gemm-main.js (BENCH_TORCH=0: without PyTorch)", options: {} });

const native = loadNative();
const info = nativeInfo();
console.log(
  info !== null
    ? `native addon: ${info.threads} thread(s), GEMM kernels ${info.gemmKernel}`
    : `native addon unavailable: ${"error" in native ? native.error : "?"}`,
);
printTable("sgemm (float32 matmul kernel, median)", await benchGemm(process.env.BENCH_TORCH !== "0"));
