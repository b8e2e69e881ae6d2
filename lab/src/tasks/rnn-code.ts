/** The gradstack program that the recurrent model's settings describe (what the worker runs). */
import { RANDOM_WINDOWS_CODE } from "./char-lm-code";
import { RNN_SAMPLE_LENGTH, type RNNCorpus, type RNNSettings } from "./rnn-settings";

export const RNN_CORPUS_FILES: Record<RNNCorpus, string> = {
  timemachine: "data/timemachine/timemachine.txt",
  shakespeare: "data/tinyshakespeare/input.txt",
};

export function rnnCode(s: RNNSettings): string {
  const { batchSize: B, seqLen: T } = s;
  return `import * as gs from "gradstack";

gs.manualSeed(${s.seed});
const text = await (await fetch("${RNN_CORPUS_FILES[s.corpus]}")).text();
const tokenizer = gs.text.CharTokenizer.fromText(text);
const ids = tokenizer.encode(text);
const model = new gs.models.RNNLanguageModel({
  cell: "${s.cell}",
  vocabSize: tokenizer.vocabSize,
  embedDim: ${s.embedDim},
  hiddenSize: ${s.hidden},
});
const optimizer = new gs.optim.Adam(model.parameters(), { lr: ${s.lr} });
${RANDOM_WINDOWS_CODE}
for (let step = 0; step < 1000; step++) {
  const { x, y } = randomWindows(ids, ${B}, ${T}); // (${B}, ${T}) int32
  const { loss } = model.forward(x, y); // backpropagation through ${T} steps
  optimizer.zeroGrad();
  loss.backward();
  optimizer.step();
}
const start = gs.tensor([tokenizer.encode("\\n")], { dtype: "int32" });
console.log(tokenizer.decode(model.generate(start, ${RNN_SAMPLE_LENGTH}).tolist()[0]));

// The heat maps replay the first layer step by step with the model's weights, PyTorch's equations:
// ${s.cell === "lstm" ? "i, f, g, o = (x Wihᵀ + bih + h Whhᵀ + bhh).chunk(4); c = σ(f) c + σ(i) tanh(g); h = σ(o) tanh(c)" : s.cell === "gru" ? "r = σ(..), z = σ(..), n = tanh(x Winᵀ + bin + r (h Whnᵀ + bhn)); h = (1 − z) n + z h" : "h = tanh(x Wihᵀ + bih + h Whhᵀ + bhh)"}
// and call h.retainGrad() on every h_t, so that backward from the last prediction's loss fills h_t.grad.
`;
}
