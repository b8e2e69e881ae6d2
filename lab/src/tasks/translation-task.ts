/**
 * English to French on the first pairs of Tatoeba's fra-eng (d2l chapter 10): a GRU encoder-decoder with
 * Bahdanau attention (gs.models.Seq2SeqAttention) or a small Transformer (gs.models.TransformerTranslator),
 * trained with Adam and gradient clipping on random batches. The view translates the chosen sentence
 * with greedy and with beam search, each with its attention over the source per output word.
 */
import * as gs from "gradstack";
import type { Task } from "./task";
import { MAX_TRANSLATION_TOKENS, type TranslationSettings } from "./translation-settings";
import { place, type TaskDevice } from "./device-twin";

export interface Translation {
  words: string[];
  /** (words + 1 for <eos> when produced, source tokens) row-major: where each output step looked. */
  attention: Float32Array;
  logProb: number;
}

export interface TranslationView {
  /** The source tokens, <eos> included (the attention's columns). */
  source: string[];
  greedy: Translation;
  beam: Translation;
  beamSize: number;
}

/** d2l's tokenisation of fra-eng: lowercase, a space before punctuation, split on spaces. */
const tokenize = (text: string) => gs.data.splitSpaces(gs.data.preprocessNmt(text));

type Translator = gs.models.Seq2SeqAttention | gs.models.TransformerTranslator;

function buildModel(s: TranslationSettings, srcVocabSize: number, tgtVocabSize: number): Translator {
  if (s.model === "transformer")
    return new gs.models.TransformerTranslator({
      srcVocabSize,
      tgtVocabSize,
      dModel: s.embedDim,
      nhead: 2,
      numEncoderLayers: 2,
      numDecoderLayers: 2,
      dimFeedforward: s.hidden,
      dropout: 0.1,
      maxLen: 64,
    });
  return new gs.models.Seq2SeqAttention({
    srcVocabSize,
    tgtVocabSize,
    embedDim: s.embedDim,
    encHiddenSize: s.hidden,
    decHiddenSize: s.hidden,
    dropout: 0.1,
    embeddingDropout: 0.1,
    init: "xavier",
  });
}

/** Teacher-forced logits of a batch, its tensors moved by `here` to where the model trains. */
function logitsOf(
  model: Translator,
  b: gs.data.TranslationBatch,
  here: (t: gs.Tensor) => gs.Tensor,
): gs.Tensor {
  if (model instanceof gs.models.TransformerTranslator)
    return model.forward(here(b.src), here(b.tgtIn), {
      srcPaddingMask: here(b.srcPaddingMask),
      tgtPaddingMask: here(b.tgtPaddingMask),
    });
  return model.forward(here(b.src), b.srcLengths, here(b.tgtIn));
}

export function translationTask(
  s: TranslationSettings,
  tatoeba: string,
  device?: TaskDevice,
): Task<TranslationView> {
  gs.manualSeed(s.seed);
  const pairs = gs.data.parseTatoeba(tatoeba, { maxExamples: s.pairs });
  const srcTokens = pairs.src.map(tokenize);
  const tgtTokens = pairs.tgt.map(tokenize);
  const srcVocab = gs.text.Vocab.build(srcTokens, { minFreq: 2 });
  const tgtVocab = gs.text.Vocab.build(tgtTokens, { minFreq: 2 });
  const examples = srcTokens.map((src, i) => ({
    src: Int32Array.from([...srcVocab.encode(src), srcVocab.eosId!]),
    tgt: Int32Array.from([tgtVocab.bosId!, ...tgtVocab.encode(tgtTokens[i]), tgtVocab.eosId!]),
  }));
  const build = () => buildModel(s, srcVocab.size, tgtVocab.size);
  const placed = place(build(), device, build);
  const { model } = placed;
  const optimizer = new gs.optim.Adam(model.parameters(), { lr: s.lr });
  const generator = new gs.Generator(s.seed);

  const source = [...tokenize(s.sentence), "<eos>"];
  const sourceIds = gs.tensor([[...srcVocab.encode(source.slice(0, -1)), srcVocab.eosId!]], {
    dtype: "int32",
  });
  const sourceLength = Int32Array.of(source.length);
  const translation = (hyp: gs.models.Hypothesis): Translation => ({
    words: tgtVocab.decode(hyp.tokens),
    attention: Float32Array.from(hyp.attention.flat()),
    logProb: hyp.logProb,
  });

  return {
    parameters: model.numParameters(),
    device,
    step() {
      const batch = Array.from(
        { length: s.batchSize },
        () => examples[generator.randint(0, examples.length)],
      );
      const b = gs.data.translationBatch(batch, tgtVocab.padId!);
      const loss = model.loss(logitsOf(model, b, placed.here), placed.here(b.tgtOut));
      optimizer.zeroGrad();
      loss.backward();
      gs.nn.utils.clipGradNorm_(model.parameters(), 1); // on the GPU it clips there, reading nothing back
      optimizer.step();
      return loss.detach();
    },
    async view() {
      const host = await placed.onHost();
      const searchable = host as gs.models.Translator<unknown>; // both models decode through the same interface
      const opts = { maxLen: MAX_TRANSLATION_TOKENS };
      const [greedy] = gs.models.greedySearch(searchable, sourceIds, sourceLength, opts);
      const [beam] = gs.models.beamSearch(searchable, sourceIds, sourceLength, {
        ...opts,
        beamSize: s.beamSize,
      });
      return { source, greedy: translation(greedy), beam: translation(beam), beamSize: s.beamSize };
    },
  };
}
