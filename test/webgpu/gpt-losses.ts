// A few steps of a tiny GPT on a device, written against the public API only, so that the browser test
// runs the same function on navigator.gpu that training.test.ts runs on Dawn.
import type * as Gradstack from "../../src/browser.js";

const TEXT = "First Citizen: Before we proceed any further, hear me speak. All: Speak, speak.";

/** The losses of `steps` AdamW steps of a 1-layer GPT on fixed windows of TEXT, on `device`. */
export async function gptLosses(
  gs: typeof Gradstack,
  device: string,
  steps: number,
  dropout = 0,
): Promise<number[]> {
  gs.manualSeed(1337);
  const tok = gs.text.CharTokenizer.fromText(TEXT);
  const ids = tok.encode(TEXT);
  const T = 8;
  const starts = [0, 13, 29, 45];
  const window = (offset: number) => starts.flatMap((s) => ids.slice(s + offset, s + offset + T));
  const x = gs.tensor(window(0), { dtype: "int32", device }).reshape([starts.length, T]);
  const y = gs.tensor(window(1), { dtype: "int32", device }).reshape([starts.length, T]);
  const config = { blockSize: T, vocabSize: tok.vocabSize, nLayer: 1, nHead: 2, nEmbd: 16, dropout };
  const model = new gs.models.GPT(config).to(device);
  const opt = new gs.optim.AdamW(model.parameters(), { lr: 1e-2, weightDecay: 0.1 });
  const losses: Gradstack.Tensor[] = [];
  for (let i = 0; i < steps; i++) {
    const { loss } = model.forward(x, y);
    losses.push(loss!.detach());
    opt.zeroGrad();
    loss!.backward();
    opt.step();
  }
  // Read once at the end: nothing waits for the GPU during the steps.
  return Promise.all(losses.map((l) => l.itemAsync()));
}
