/** The gradstack program that the translation page's settings describe (what the worker runs). */
import { MAX_TRANSLATION_TOKENS, type TranslationSettings } from "./translation-settings";

function modelCode(s: TranslationSettings): string {
  if (s.model === "transformer")
    return `new gs.models.TransformerTranslator({
  srcVocabSize: srcVocab.size,
  tgtVocabSize: tgtVocab.size,
  dModel: ${s.embedDim},
  nhead: 2,
  numEncoderLayers: 2,
  numDecoderLayers: 2,
  dimFeedforward: ${s.hidden},
  dropout: 0.1,
  maxLen: 64,
})`;
  return `new gs.models.Seq2SeqAttention({
  srcVocabSize: srcVocab.size,
  tgtVocabSize: tgtVocab.size,
  embedDim: ${s.embedDim},
  encHiddenSize: ${s.hidden},
  decHiddenSize: ${s.hidden},
  dropout: 0.1,
  embeddingDropout: 0.1,
  init: "xavier",
})`;
}

export function translationCode(s: TranslationSettings): string {
  const logits =
    s.model === "transformer"
      ? "model.forward(b.src, b.tgtIn, { srcPaddingMask: b.srcPaddingMask, tgtPaddingMask: b.tgtPaddingMask })"
      : "model.forward(b.src, b.srcLengths, b.tgtIn)";
  return `import * as gs from "gradstack";

gs.manualSeed(${s.seed});
const tatoeba = await new Response(
  (await fetch("data/fra-eng/fra.txt.gz")).body.pipeThrough(new DecompressionStream("gzip")),
).text();
const pairs = gs.data.parseTatoeba(tatoeba, { maxExamples: ${s.pairs} });
const tokenize = (text) => gs.data.splitSpaces(gs.data.preprocessNmt(text));
const [srcTokens, tgtTokens] = [pairs.src.map(tokenize), pairs.tgt.map(tokenize)];
const srcVocab = gs.text.Vocab.build(srcTokens, { minFreq: 2 });
const tgtVocab = gs.text.Vocab.build(tgtTokens, { minFreq: 2 });
const examples = srcTokens.map((src, i) => ({
  src: Int32Array.from([...srcVocab.encode(src), srcVocab.eosId]),
  tgt: Int32Array.from([tgtVocab.bosId, ...tgtVocab.encode(tgtTokens[i]), tgtVocab.eosId]),
}));
const model = ${modelCode(s)};
const optimizer = new gs.optim.Adam(model.parameters(), { lr: ${s.lr} });
for (let step = 0; step < 2000; step++) {
  const batch = Array.from({ length: ${s.batchSize} }, () => examples[Math.floor(Math.random() * examples.length)]);
  const b = gs.data.translationBatch(batch, tgtVocab.padId);
  const loss = model.loss(${logits}, b.tgtOut);
  optimizer.zeroGrad();
  loss.backward();
  gs.nn.utils.clipGradNorm_(model.parameters(), 1);
  optimizer.step();
}
const source = [...tokenize(${JSON.stringify(s.sentence)}), "<eos>"];
const src = gs.tensor([srcVocab.encode(source)], { dtype: "int32" });
const lengths = Int32Array.of(source.length);
const [greedy] = gs.models.greedySearch(model, src, lengths, { maxLen: ${MAX_TRANSLATION_TOKENS} });
const [beam] = gs.models.beamSearch(model, src, lengths, { maxLen: ${MAX_TRANSLATION_TOKENS}, beamSize: ${s.beamSize} });
console.log(tgtVocab.decode(greedy.tokens), tgtVocab.decode(beam.tokens), beam.attention);
`;
}
