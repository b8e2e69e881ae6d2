/** MLP 784-256-10, batch 128, Adam: one training step, with PyTorch's figure from the same run. */
import * as gs from "gradstack";
import { runTorch, timeit, type Row } from "./util.js";

export function benchMlp(withTorch: boolean): Row[] {
  gs.manualSeed(0);
  const model = new gs.nn.Sequential(new gs.nn.Linear(784, 256), new gs.nn.ReLU(), new gs.nn.Linear(256, 10));
  const opt = new gs.optim.Adam(model.parameters(), { lr: 1e-3 });
  const batches = Array.from({ length: 8 }, () => ({ x: gs.randn([128, 784]), y: gs.randint(0, 10, [128]) }));
  let i = 0;
  const ms = timeit(
    () => {
      const { x, y } = batches[i++ % batches.length];
      const loss = gs.nn.functional.crossEntropy(model.forward(x) as gs.Tensor, y);
      opt.zeroGrad();
      loss.backward();
      opt.step();
    },
    { warm: 5, reps: 30 },
  );
  const torch = withTorch ? runTorch("train.py", ["mlp"]) : null;
  const t = torch?.find((r) => r.workload === "mlp");
  return [
    {
      name: "MLP 784-256-10 B128 Adam step (ms)",
      value: ms,
      unit: "ms",
      torch: t ? Number(t.median_ms) : undefined,
    },
  ];
}
