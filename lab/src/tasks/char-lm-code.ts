/** The gradstack program that the character model's settings describe (what the worker runs). */
import { sampleLength, type CharCorpus, type CharLMSettings } from "./char-lm-settings";
import type { RNNCorpus } from "./rnn-settings";

/** The shipped texts that the character models (here and on the RNN page) train on. */
export const CORPUS_FILES: Record<CharCorpus | RNNCorpus, string> = {
  names: "data/names/names.txt",
  shakespeare: "data/tinyshakespeare/input.txt",
  timemachine: "data/timemachine/timemachine.txt",
};

/** The batches, as text-windows.ts draws them. */
export const RANDOM_WINDOWS_CODE = `
// Inputs x (B, T) at random offsets of the text, and targets y: the next character of each.
function randomWindows(ids, B, T) {
  const x = [], y = [];
  for (let b = 0; b < B; b++) {
    const i = Math.floor(Math.random() * (ids.length - T - 1));
    x.push(ids.slice(i, i + T));
    y.push(ids.slice(i + 1, i + T + 1));
  }
  return { x: gs.tensor(x, { dtype: "int32" }), y: gs.tensor(y, { dtype: "int32" }) };
}
`;

function modelCode(s: CharLMSettings): string {
  if (s.model === "bigram") return "new gs.models.Bigram(tokenizer.vocabSize)";
  if (s.model === "mlp")
    return `new gs.models.MLPLanguageModel({
  vocabSize: tokenizer.vocabSize,
  blockSize: ${s.context},
  embedDim: ${s.embedDim},
  hiddenSize: ${s.hidden},
})`;
  return recurrentModelCode(s.model, s.embedDim, s.hidden);
}

/** The recurrent language model's constructor, for the character-model and RNN pages. */
export const recurrentModelCode = (cell: string, embedDim: number, hidden: number): string =>
  `new gs.models.RNNLanguageModel({
  cell: "${cell}",
  vocabSize: tokenizer.vocabSize,
  embedDim: ${embedDim},
  hiddenSize: ${hidden},
})`;

/** A language model's whole script: the text, the tokenizer, the model, its optimizer and the loop. */
export function languageModelScript(parts: {
  corpus: CharCorpus | RNNCorpus;
  seed: number;
  model: string;
  optimizer: string;
  batchSize: number;
  seqLen: number;
  sampleLength: number;
  /** The sample's options, e.g. "{ temperature: 0.8 }" (none: plain sampling). */
  sampling?: string;
}): string {
  const { batchSize: B, seqLen: T } = parts;
  return `import * as gs from "gradstack";

gs.manualSeed(${parts.seed});
const text = await (await fetch("${CORPUS_FILES[parts.corpus]}")).text();
const tokenizer = gs.text.CharTokenizer.fromText(text);
const ids = tokenizer.encode(text);
const model = ${parts.model};
const optimizer = ${parts.optimizer};
${RANDOM_WINDOWS_CODE}
for (let step = 0; step < 1000; step++) {
  const { x, y } = randomWindows(ids, ${B}, ${T}); // (${B}, ${T}) int32
  const { loss } = model.forward(x, y);
  optimizer.zeroGrad();
  loss.backward();
  optimizer.step();
}
const start = gs.tensor([tokenizer.encode("\\n")], { dtype: "int32" });
console.log(tokenizer.decode(model.generate(start, ${parts.sampleLength}${parts.sampling ? `, ${parts.sampling}` : ""}).tolist()[0]));
`;
}

export function charLMCode(s: CharLMSettings): string {
  return languageModelScript({
    ...s,
    model: modelCode(s),
    optimizer: `new gs.optim.Adam(model.parameters(), { lr: ${s.lr} })`,
    sampleLength: sampleLength(s.corpus),
  });
}
