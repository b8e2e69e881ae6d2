/** MLP 784-256-10, batch 128, Adam: one training step; the PyTorch twin: bench/torch/steps.py mlp. */
import * as gs from "../src/index.js";

export function mlpStep(): () => void {
  gs.manualSeed(0);
  const model = new gs.nn.Sequential(new gs.nn.Linear(784, 256), new gs.nn.ReLU(), new gs.nn.Linear(256, 10));
  const opt = new gs.optim.Adam(model.parameters(), { lr: 1e-3 });
  const batches = Array.from({ length: 8 }, () => ({ x: gs.randn([128, 784]), y: gs.randint(0, 10, [128]) }));
  let i = 0;
  return () => {
    const { x, y } = batches[i++ % batches.length];
    const loss = gs.nn.functional.crossEntropy(model.forward(x) as gs.Tensor, y);
    opt.zeroGrad();
    loss.backward();
    opt.step();
  };
}
