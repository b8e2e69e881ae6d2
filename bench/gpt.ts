/** GPT training-step time on the nanoGPT CPU configurations, with PyTorch's figure from the same run. */
import * as gs from "gradstack";
import { runTorch, timeit, type Row } from "./util.js";

const CONFIGS = {
  gpt: { nLayer: 4, nHead: 4, nEmbd: 128, blockSize: 64, batch: 12 },
  gptlarge: { nLayer: 6, nHead: 8, nEmbd: 256, blockSize: 128, batch: 32 },
};

export function benchGpt(which: keyof typeof CONFIGS, withTorch: boolean): Row[] {
  const c = CONFIGS[which];
  gs.manualSeed(0);
  const model = new gs.models.GPT({ ...c, vocabSize: 65, dropout: 0, bias: false });
  const opt = model.configureOptimizers({ weightDecay: 0.1, lr: 1e-3, betas: [0.9, 0.99] });
  const batches = Array.from({ length: 8 }, () => ({
    x: gs.randint(0, 65, [c.batch, c.blockSize]),
    y: gs.randint(0, 65, [c.batch, c.blockSize]),
  }));
  let i = 0;
  const step = () => {
    const { x, y } = batches[i++ % batches.length];
    const { loss } = model.forward(x, y);
    opt.zeroGrad();
    loss!.backward();
    opt.step();
  };
  const ms = timeit(step, { warm: 3, reps: which === "gpt" ? 20 : 5, maxMs: 30000 });
  const torch = withTorch ? runTorch("train.py", [which, "--steps", which === "gpt" ? "20" : "5"]) : null;
  const t = torch?.find((r) => r.workload === which);
  const tokens = c.batch * c.blockSize;
  return [
    { name: `${which} step (ms)`, value: ms, unit: "ms", torch: t ? Number(t.median_ms) : undefined },
    {
      name: `${which} tokens/s`,
      value: (tokens / ms) * 1000,
      unit: "tok/s",
      torch: t ? Number(t.throughput) : undefined,
    },
  ];
}
