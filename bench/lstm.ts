/**
 * Character-LSTM language-model training step (Embedding 65→64, LSTM 256, Linear 256→65, B=32, T=64,
 * Adam), the workload of ../shared/bench/torch/train.py lstm, with PyTorch's figure from the same run.
 */
import * as gs from "gradstack";
import { runTorch, timeit, type Row } from "./util.js";

export function benchLstm(withTorch = true): Row[] {
  const B = 32;
  const T = 64;
  const V = 65;
  gs.manualSeed(0);
  const model = new gs.models.RNNLanguageModel({ cell: "lstm", vocabSize: V, embedDim: 64, hiddenSize: 256 });
  const opt = new gs.optim.Adam(model.parameters(), { lr: 1e-3 });
  const batches = Array.from({ length: 8 }, () => ({
    x: gs.randint(0, V, [B, T]).to("int32"),
    y: gs.randint(0, V, [B, T]).to("int32"),
  }));
  let i = 0;
  const step = () => {
    const { x, y } = batches[i++ % batches.length];
    const { loss } = model.forward(x, y);
    opt.zeroGrad();
    loss!.backward();
    opt.step();
  };
  const ms = timeit(step, { warm: 5, reps: 30, maxMs: 30000 });
  const torch = withTorch ? runTorch("train.py", ["lstm"]) : null;
  const t = torch?.find((r) => r.workload === "lstm");
  return [
    { name: "char-LSTM LM step (ms)", value: ms, unit: "ms", torch: t ? Number(t.median_ms) : undefined },
    {
      name: "char-LSTM LM tokens/s",
      value: ((B * T) / ms) * 1000,
      unit: "tok/s",
      torch: t ? Number(t.throughput) : undefined,
    },
  ];
}
