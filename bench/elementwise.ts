/** Elementwise throughput of the active backend, in millions of elements per second. */
import * as gs from "gradstack";
import { timeit, type Row } from "./util.js";

export function benchElementwise(n = 1 << 20): Row[] {
  gs.manualSeed(0);
  const a = gs.randn([n]);
  const b = gs.randn([n]);
  const rowBias = gs.randn([1024]);
  const mat = a.reshape([n / 1024, 1024]);
  const cases: [string, () => unknown][] = [
    ["add (1M float32)", () => a.add(b)],
    ["mul (1M float32)", () => a.mul(b)],
    ["add broadcast row (1M)", () => mat.add(rowBias)],
    ["exp (1M float32)", () => a.exp()],
    ["tanh (1M float32)", () => a.tanh()],
    ["sum (1M float32)", () => a.sum()],
    ["softmax rows of 1024", () => mat.softmax(-1)],
  ];
  // Enough warm-up calls for V8 to optimise the kernels before timing.
  return cases.map(([name, fn]) => ({
    name,
    value: n / timeit(fn, { warm: 8, reps: 20 }) / 1e3,
    unit: "Melem/s",
  }));
}
