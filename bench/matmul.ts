/** Square float32 matmul GFLOP/s through the public API (what a user's code gets), with PyTorch beside it. */
import * as gs from "gradstack";
import { runTorch, timeit, type Row } from "./util.js";

export function benchMatmul(sizes: number[], withTorch: boolean): Row[] {
  const torch = withTorch ? runTorch("matmul.py", sizes.map(String)) : null;
  return sizes.map((n) => {
    gs.manualSeed(0);
    const a = gs.randn([n, n]);
    const b = gs.randn([n, n]);
    const ms = timeit(() => a.matmul(b), { warm: 1, reps: n >= 1024 ? 5 : 10 });
    const t = torch?.find((r) => r.n === n);
    return {
      name: `matmul ${n}³`,
      value: (2 * n ** 3) / (ms * 1e6),
      unit: "GFLOP/s",
      torch: t ? Number(t.throughput) : undefined,
    };
  });
}
