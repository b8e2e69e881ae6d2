/**
 * Square float32 matmul GFLOP/s through the public API (what a user's code gets: a fresh output tensor
 * per call), with PyTorch beside it. A fresh process faults in new heap pages until the garbage
 * collector has freed enough old outputs to reuse (about 10 µs a page on this VM), so the warm-up
 * runs until that steady state.
 */
import * as gs from "gradstack";
import { runTorch, timeit, type Row } from "./util.js";

export function benchMatmul(sizes: number[], withTorch: boolean): Row[] {
  const torch = withTorch ? runTorch("matmul.py", sizes.map(String)) : null;
  return sizes.map((n) => {
    gs.manualSeed(0);
    const a = gs.randn([n, n]);
    const b = gs.randn([n, n]);
    const ms = timeit(() => a.matmul(b), { warm: n <= 512 ? 300 : 30, reps: 30 });
    const t = torch?.find((r) => r.n === n);
    return {
      name: `matmul ${n}³`,
      value: (2 * n ** 3) / (ms * 1e6),
      unit: "GFLOP/s",
      torch: t ? Number(t.throughput) : undefined,
    };
  });
}
