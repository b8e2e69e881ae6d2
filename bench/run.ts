/**
 * `npm run bench`: speed of the active backend, with PyTorch's figures from the same run when
 * ../shared/bench/torch is set up. Set GRADSTACK_BACKEND=js|native to pick a backend, and
 * BENCH_TORCH=0 to skip PyTorch.
 */
import * as gs from "gradstack";
import { benchElementwise } from "./elementwise.js";
import { benchMatmul } from "./matmul.js";
import { printTable } from "./util.js";

const withTorch = process.env.BENCH_TORCH !== "0";
const be = gs.backend();
console.log(`gradstack benchmarks — backend ${be.name}, ${be.threads} thread(s), node ${process.version}`);
printTable("Elementwise", benchElementwise());
const sizes = be.name === "cpu-js" ? [256, 512, 1024] : [256, 512, 1024, 2048];
printTable("Matmul (float32, square)", benchMatmul(sizes, withTorch));
