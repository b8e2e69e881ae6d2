/**
 * A character-level language model on a shipped text (names or tiny Shakespeare), makemore's ladder:
 * the bigram table, the Bengio MLP, then a GRU or an LSTM. Adam on random windows of the text; the
 * view is a few samples from the model.
 */
import * as gs from "gradstack";
import type { Task } from "./task";
import type { CharLMSettings } from "./char-lm-settings";

export interface CharLMView {
  /** Text sampled from the model, starting after a newline. */
  sample: string;
}

/** The model of the settings, from gs.models. */
export function buildCharModel(s: CharLMSettings, vocabSize: number): CharLM {
  if (s.model === "bigram") return new gs.models.Bigram(vocabSize);
  if (s.model === "mlp")
    return new gs.models.MLPLanguageModel({
      vocabSize,
      blockSize: s.context,
      embedDim: s.embedDim,
      hiddenSize: s.hidden,
    });
  return new gs.models.RNNLanguageModel({
    cell: s.model,
    vocabSize,
    embedDim: s.embedDim,
    hiddenSize: s.hidden,
  });
}

/** What the four models share: forward(idx, targets) -> loss, generate, and their parameters. */
interface CharLM {
  parameters(): gs.nn.Parameter[];
  forward(idx: gs.Tensor, targets?: gs.Tensor | null): { loss: gs.Tensor | null };
  generate(idx: gs.Tensor, maxNewTokens: number, opts?: gs.models.SampleOptions): gs.Tensor;
}

/** Random windows of the encoded text: inputs (B, T) and the next characters (B, T). */
function batchSampler(ids: Int32Array, s: CharLMSettings): () => { x: gs.Tensor; y: gs.Tensor } {
  const { batchSize: B, seqLen: T } = s;
  const rng = new gs.Generator(s.seed);
  return () => {
    const starts = gs.randint(0, ids.length - T - 1, [B], { generator: rng }).dataSync();
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

export function charLMTask(s: CharLMSettings, text: string): Task<CharLMView> {
  gs.manualSeed(s.seed);
  const tokenizer = gs.text.CharTokenizer.fromText(text);
  const ids = Int32Array.from(tokenizer.encode(text));
  const model = buildCharModel(s, tokenizer.vocabSize);
  const optimizer = new gs.optim.Adam(model.parameters(), { lr: s.lr });
  const nextBatch = batchSampler(ids, s);
  const newline = tokenizer.encode("\n");
  const sampleLength = s.corpus === "names" ? 60 : 160;
  return {
    parameters: model.parameters().reduce((n, p) => n + p.numel(), 0),
    step() {
      const { x, y } = nextBatch();
      const { loss } = model.forward(x, y);
      optimizer.zeroGrad();
      loss!.backward();
      optimizer.step();
      return loss!.item() as number;
    },
    view() {
      const generator = new gs.Generator(s.seed); // the same draws each time: only the model changes
      const out = gs.noGrad(() =>
        model.generate(gs.tensor([newline], { dtype: "int32" }), sampleLength, { generator }),
      );
      return { sample: tokenizer.decode((out.tolist() as number[][])[0].slice(1)) };
    },
  };
}
