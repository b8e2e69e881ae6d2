// A few real training steps of a tiny GPT on characters, written against the public API only, so that
// the browser bundle test runs the same function in a Web Worker and in Node and compares the losses.
import type * as Gradstack from "../../src/browser.js";

const TEXT = "First Citizen: Before we proceed any further, hear me speak. All: Speak, speak.";

export interface TinyTrainingResult {
  /** The training loss before each optimizer step. */
  losses: number[];
  /** The loss of the trained model after its state dict went through safetensors bytes into a new model. */
  reloadedLoss: number;
  backend: string;
}

/** Tokenizes TEXT, trains a 1-layer GPT with AdamW for `steps` steps on fixed windows, reloads it. */
export function tinyTraining(gs: typeof Gradstack, steps: number): TinyTrainingResult {
  gs.manualSeed(1337);
  const tok = gs.text.CharTokenizer.fromText(TEXT);
  const ids = tok.encode(TEXT);
  const T = 16;
  const starts = [0, 13, 29, 45, 61];
  const window = (offset: number) => starts.flatMap((s) => ids.slice(s + offset, s + offset + T));
  const x = gs.tensor(window(0), { dtype: "int32" }).reshape([starts.length, T]);
  const y = gs.tensor(window(1), { dtype: "int32" }).reshape([starts.length, T]);
  const config = { blockSize: T, vocabSize: tok.vocabSize, nLayer: 1, nHead: 2, nEmbd: 32, dropout: 0 };
  const model = new gs.models.GPT(config);
  const opt = new gs.optim.AdamW(model.parameters(), { lr: 1e-2, weightDecay: 0.1 });
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const { loss } = model.forward(x, y);
    losses.push(loss!.item());
    opt.zeroGrad();
    loss!.backward();
    opt.step();
  }
  const bytes = gs.io.serializeSafetensors(model.stateDict());
  const reloaded = new gs.models.GPT(config);
  reloaded.loadStateDict(gs.io.parseSafetensors(bytes).tensors);
  const reloadedLoss = gs.noGrad(() => reloaded.forward(x, y).loss!.item());
  return { losses, reloadedLoss, backend: gs.backend().name };
}
