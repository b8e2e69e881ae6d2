/** The gradstack program that the character model's settings describe (what the worker runs). */
import type { CharLMSettings } from "./char-lm-settings";

const FILES = { names: "data/names/names.txt", shakespeare: "data/tinyshakespeare/input.txt" } as const;

function modelCode(s: CharLMSettings): string {
  if (s.model === "bigram") return "new gs.models.Bigram(tokenizer.vocabSize)";
  if (s.model === "mlp")
    return `new gs.models.MLPLanguageModel({
  vocabSize: tokenizer.vocabSize,
  blockSize: ${s.context},
  embedDim: ${s.embedDim},
  hiddenSize: ${s.hidden},
})`;
  return `new gs.models.RNNLanguageModel({
  cell: "${s.model}",
  vocabSize: tokenizer.vocabSize,
  embedDim: ${s.embedDim},
  hiddenSize: ${s.hidden},
})`;
}

export function charLMCode(s: CharLMSettings): string {
  return `import * as gs from "gradstack";

gs.manualSeed(${s.seed});
const text = await (await fetch("${FILES[s.corpus]}")).text();
const tokenizer = gs.text.CharTokenizer.fromText(text);
const ids = tokenizer.encode(text);
const model = ${modelCode(s)};
const optimizer = new gs.optim.Adam(model.parameters(), { lr: ${s.lr} });

for (let step = 0; step < 1000; step++) {
  // x, y: (${s.batchSize}, ${s.seqLen}) int32 windows of ids at random offsets, y shifted by one
  const { x, y } = randomWindows(ids, ${s.batchSize}, ${s.seqLen});
  const { loss } = model.forward(x, y);
  optimizer.zeroGrad();
  loss.backward();
  optimizer.step();
}
const start = gs.tensor([tokenizer.encode("\\n")], { dtype: "int32" });
console.log(tokenizer.decode(model.generate(start, 60).tolist()[0]));
`;
}
