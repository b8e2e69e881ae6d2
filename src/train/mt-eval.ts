/** Translating sentences with a trained model and scoring them with BLEU. */
import { noGrad } from "../autograd/grad-mode.js";
import type { Tensor } from "../tensor/tensor.js";
import type { Vocab } from "../text/tokenizers/vocab.js";
import { corpusBleu, d2lBleu, type BleuScore } from "../text/bleu/bleu.js";
import {
  detokenize,
  padSequences,
  translationBatch,
  type ParallelText,
  type PackedPairs,
} from "../data/parallel.js";
import type { BeamSearchOptions } from "../models/decoding.js";
import { encodeSource, mtTokenizer, type MTDataName, type MTSplit } from "../data/translation-corpora.js";
import { batchLogits, deviceOf, type MTModel } from "./mt-model.js";
import { readNumbers, type Reads } from "./reads.js";

export interface Translation {
  /** Target tokens (<eos> and <bos> removed). */
  tokens: string[];
  /** The tokens joined into text. */
  text: string;
  /** Source tokens as the model saw them (with <eos>; unknown words as <unk>). */
  srcTokens: string[];
  /** attention[t][s] of each output step (including the one that produced <eos>). */
  attention: number[][];
  logProb: number;
}

export interface TranslateOptions extends BeamSearchOptions {
  /** Sentences decoded together by greedy search (default 64). */
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
}

/** Translates raw sentences; greedy search runs in length-sorted batches, beam search sentence by sentence. */
export function translateSentences(
  model: MTModel,
  sentences: readonly string[],
  ctx: { dataName: MTDataName; srcVocab: Vocab; tgtVocab: Vocab },
  opts: TranslateOptions = {},
): Translation[] {
  const ids = sentences.map((s) => encodeSource(s, ctx.dataName, ctx.srcVocab));
  const order = ids.map((_, i) => i).sort((a, b) => ids[a].length - ids[b].length);
  const batchSize = (opts.beamSize ?? 1) > 1 ? 1 : (opts.batchSize ?? 64);
  const out = new Array<Translation>(sentences.length);
  const tgtSpecials = new Set([ctx.tgtVocab.bosId, ctx.tgtVocab.eosId, ctx.tgtVocab.padId]);
  for (let i = 0; i < order.length; i += batchSize) {
    const idx = order.slice(i, i + batchSize);
    const { ids: src, lengths } = padSequences(
      idx.map((j) => ids[j]),
      ctx.srcVocab.padId!,
    );
    const hyps = model.translate(src, lengths, opts);
    hyps.forEach((h, k) => {
      const tokens = ctx.tgtVocab.decode(h.tokens.filter((t) => !tgtSpecials.has(t)));
      const srcLen = ids[idx[k]].length;
      out[idx[k]] = {
        tokens,
        // d2l's fra-eng keeps a space before punctuation (French typography); Multi30k English does not.
        text: ctx.dataName === "fra-eng" ? tokens.join(" ") : detokenize(tokens),
        srcTokens: ctx.srcVocab.decode(ids[idx[k]]),
        attention: h.attention.map((row) => row.slice(0, srcLen)), // without the batch's padding
        logProb: h.logProb,
      };
    });
    opts.onProgress?.(Math.min(i + batchSize, order.length), order.length);
  }
  return out;
}

export interface BleuReport {
  /** sacreBLEU's corpus BLEU (13a) of the detokenised output against the raw references, lowercased. */
  sacrebleu: BleuScore;
  /** BLEU on the word tokens (the references tokenised like the training data), as torchtext's bleu_score. */
  tokenBleu: BleuScore;
  translations: Translation[];
}

/** Translates a split and scores it against its references. */
export function evaluateBleu(
  model: MTModel,
  split: MTSplit,
  ctx: { dataName: MTDataName; srcVocab: Vocab; tgtVocab: Vocab },
  opts: TranslateOptions = {},
): BleuReport {
  const translations = translateSentences(model, split.text.src, ctx, opts);
  const tokenize = mtTokenizer(ctx.dataName);
  const sacrebleu = corpusBleu(
    translations.map((t) => t.text),
    split.text.tgt,
    { lowercase: true },
  );
  const tokenBleu = corpusBleu(
    translations.map((t) => t.tokens.join(" ")),
    split.text.tgt.map((r) => tokenize(r).join(" ")),
    { tokenize: "none" },
  );
  return { sacrebleu, tokenBleu, translations };
}

/** d2l's report on its sample sentences: `go . => va !, bleu 1.000` with BLEU over 2-grams, as d2l. */
export function d2lReport(
  translations: readonly Translation[],
  samples: ParallelText,
  tokenize: (t: string) => string[],
): string[] {
  return translations.map((t, i) => {
    const pred = t.tokens.join(" ");
    const label = tokenize(samples.tgt[i]).join(" ");
    return `${tokenize(samples.src[i]).join(" ")} => ${pred}, bleu ${d2lBleu(pred, label, 2).toFixed(3)}`;
  });
}

/** Mean teacher-forced loss per target token over examples, in eval mode without gradients, on the model's device. */
export function* evaluateLoss(
  model: MTModel,
  examples: PackedPairs,
  padId: number,
  batchSize = 128,
): Reads<number> {
  const wasTraining = model.training;
  model.eval();
  // Sorted by length, batches hold little padding; the mean does not depend on the order.
  const order = Array.from({ length: examples.length }, (_, i) => i).sort(
    (a, b) => examples.srcLength(a) - examples.srcLength(b) || examples.tgtLength(a) - examples.tgtLength(b),
  );
  const losses: Tensor[] = [];
  const counts: number[] = [];
  noGrad(() => {
    for (let i = 0; i < order.length; i += batchSize) {
      const b = translationBatch(
        order.slice(i, i + batchSize).map((k) => examples.get(k)),
        padId,
      );
      losses.push(model.loss(batchLogits(model, b), b.tgtOut.to(deviceOf(model))));
      counts.push(b.numTokens);
    }
  });
  model.train(wasTraining);
  const values = yield* readNumbers(losses);
  let total = 0;
  let tokens = 0;
  values.forEach((loss, i) => {
    total += loss * counts[i];
    tokens += counts[i];
  });
  return total / tokens;
}
