/**
 * What the language-model tasks share: batches (windows of token ids at random offsets, and their
 * targets), one training step, and samples.
 */
import * as gs from "gradstack";

/** Returns a function that draws inputs x (B, T) and the next tokens y (B, T), from its own generator. */
export function randomWindows(
  ids: Int32Array,
  B: number,
  T: number,
  seed: number,
): () => { x: gs.Tensor; y: gs.Tensor } {
  if (ids.length < T + 2)
    throw new RangeError(`the text has ${ids.length} characters, fewer than a window of ${T} + 2`);
  const generator = new gs.Generator(seed);
  return () => {
    const starts = gs.randint(0, ids.length - T - 1, [B], { generator }).dataSync();
    const x = new Int32Array(B * T);
    const y = new Int32Array(B * T);
    for (let b = 0; b < B; b++) {
      x.set(ids.subarray(starts[b], starts[b] + T), b * T);
      y.set(ids.subarray(starts[b] + 1, starts[b] + T + 1), b * T);
    }
    return {
      x: gs.tensor(x, { dtype: "int32" }).reshape([B, T]),
      y: gs.tensor(y, { dtype: "int32" }).reshape([B, T]),
    };
  };
}

/**
 * A sample of `length` tokens from `model`, after a newline, drawn with a generator seeded by `seed` (and
 * `sampling`'s temperature and top-k).
 */
export function sampleAfterNewline(
  model: { generate(idx: gs.Tensor, n: number, opts?: gs.models.SampleOptions): gs.Tensor },
  tokenizer: gs.text.CharTokenizer,
  length: number,
  seed: number,
  sampling: gs.models.SampleOptions = {},
): string {
  const generator = new gs.Generator(seed); // the same draws each time: only the model changes
  const start = gs.tensor([tokenizer.encode("\n")], { dtype: "int32" });
  const out = gs.noGrad(() => model.generate(start, length, { ...sampling, generator }));
  return tokenizer.decode((out.tolist() as number[][])[0].slice(1));
}

/**
 * One training step on a batch, moved by `here` to where the model trains: the model's loss, backward,
 * the optimizer's step; returns the loss (a tensor there, read by the worker).
 */
export function languageModelStep(
  model: { forward(x: gs.Tensor, y: gs.Tensor): { loss: gs.Tensor | null } },
  optimizer: gs.optim.Optimizer,
  { x, y }: { x: gs.Tensor; y: gs.Tensor },
  here: (t: gs.Tensor) => gs.Tensor = (t) => t,
): gs.Tensor {
  const { loss } = model.forward(here(x), here(y));
  optimizer.zeroGrad();
  loss!.backward();
  optimizer.step();
  return loss!.detach();
}
