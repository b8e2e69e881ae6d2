/**
 * Character-LSTM language-model training step (Embedding 65→64, LSTM 256, Linear 256→65, B=32, T=64,
 * Adam); the PyTorch twin: bench/torch/steps.py lstm.
 */
import * as gs from "../src/index.js";

export function lstmStep(): () => void {
  const [B, T, V] = [32, 64, 65];
  gs.manualSeed(0);
  const model = new gs.models.RNNLanguageModel({ cell: "lstm", vocabSize: V, embedDim: 64, hiddenSize: 256 });
  const opt = new gs.optim.Adam(model.parameters(), { lr: 1e-3 });
  const batches = Array.from({ length: 8 }, () => ({
    x: gs.randint(0, V, [B, T]).to("int32"),
    y: gs.randint(0, V, [B, T]).to("int32"),
  }));
  let i = 0;
  return () => {
    const { x, y } = batches[i++ % batches.length];
    const { loss } = model.forward(x, y);
    opt.zeroGrad();
    loss!.backward();
    opt.step();
  };
}
