/** A GPT training step on the nanoGPT CPU configurations (the PyTorch twin: bench/torch/steps.py gpt). */
import * as gs from "../src/index.js";

export const GPT_CONFIGS = {
  gpt: { nLayer: 4, nHead: 4, nEmbd: 128, blockSize: 64, batch: 12 },
  gptlarge: { nLayer: 6, nHead: 8, nEmbd: 256, blockSize: 128, batch: 32 },
};

/** One AdamW training step of a fresh model per call of the returned function, over 8 random batches. */
export function gptStep(which: keyof typeof GPT_CONFIGS): () => void {
  const c = GPT_CONFIGS[which];
  gs.manualSeed(0);
  const model = new gs.models.GPT({ ...c, vocabSize: 65, dropout: 0, bias: false });
  const opt = model.configureOptimizers({ weightDecay: 0.1, lr: 1e-3, betas: [0.9, 0.99] });
  const batches = Array.from({ length: 8 }, () => ({
    x: gs.randint(0, 65, [c.batch, c.blockSize]),
    y: gs.randint(0, 65, [c.batch, c.blockSize]),
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
