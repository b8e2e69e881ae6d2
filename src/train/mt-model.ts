/**
 * The translation models behind one interface for training and evaluation: building them from a run's
 * config, computing the logits of a batch, and loading a trained one from its checkpoint.
 */
import { existsSync } from "node:fs";
import * as path from "node:path";
import type { Tensor } from "../tensor/tensor.js";
import { Vocab } from "../text/tokenizers/vocab.js";
import { loadCheckpoint } from "../io/checkpoint.js";
import { Seq2SeqAttention } from "../models/seq2seq.js";
import { TransformerTranslator } from "../models/transformer-mt.js";
import type { TranslationBatch } from "../data/parallel.js";
import { checkDataName, type MTDataName } from "../data/translation-corpora.js";
import { MT_TRAIN_DEFAULTS, type MTTrainConfig } from "./mt-train.js";
import { expectCheckpointKind } from "./checkpoint-kind.js";
import { assertFiniteWeights } from "./health.js";
import { namingFile, storedConfig, validateCheckpointConfig } from "../io/checkpoint-config.js";
import { translatorCheckpointExpectations } from "./checkpoint-specs.js";

export type MTModel = Seq2SeqAttention | TransformerTranslator;

/** A model for the run's `arch`, sized for the vocabularies. */
export function buildModel(c: MTTrainConfig, srcVocab: Vocab, tgtVocab: Vocab): MTModel {
  const ids = { padId: tgtVocab.padId!, bosId: tgtVocab.bosId!, eosId: tgtVocab.eosId! };
  if (srcVocab.padId !== ids.padId)
    throw new Error("translate: source and target vocabularies must share the pad id");
  const sizes = { srcVocabSize: srcVocab.size, tgtVocabSize: tgtVocab.size };
  if (c.arch === "gru-attn") {
    if (c.init !== "normal" && c.init !== "xavier")
      throw new Error(`translate: --init must be "normal" or "xavier", got "${c.init}"`);
    return new Seq2SeqAttention({
      ...sizes,
      ...ids,
      embedDim: c.emb_dim,
      encHiddenSize: c.enc_hidden,
      decHiddenSize: c.dec_hidden,
      bidirectional: c.bidirectional,
      numLayers: c.num_layers,
      dropout: c.dropout,
      embeddingDropout: c.embedding_dropout,
      init: c.init,
      deepOutput: c.deep_output,
    });
  }
  if (c.arch === "transformer") {
    if (c.positional !== "sinusoidal" && c.positional !== "learned")
      throw new Error(`translate: --positional must be "sinusoidal" or "learned", got "${c.positional}"`);
    if (c.activation !== "relu" && c.activation !== "gelu")
      throw new Error(`translate: --activation must be "relu" or "gelu", got "${c.activation}"`);
    return new TransformerTranslator({
      ...sizes,
      ...ids,
      dModel: c.d_model,
      nhead: c.nhead,
      numEncoderLayers: c.enc_layers,
      numDecoderLayers: c.dec_layers,
      dimFeedforward: c.ff_dim,
      dropout: c.dropout,
      activation: c.activation,
      normFirst: c.norm_first,
      positional: c.positional,
      maxLen: Math.max(c.max_tokens, c.max_decode_len) + 2,
    });
  }
  throw new Error(`translate: --arch must be "gru-attn" or "transformer", got "${c.arch}"`);
}

/** The longest translation a model can decode: a transformer's positions end at its maxLen. */
export function decodeLimit(model: MTModel): number {
  return model instanceof TransformerTranslator ? model.config.maxLen : Infinity;
}

/** Teacher-forced logits (B, T, V) of a batch. */
export function batchLogits(model: MTModel, b: TranslationBatch, teacherForcing = 1): Tensor {
  const device = deviceOf(model);
  if (model instanceof Seq2SeqAttention)
    return model.forward(b.src.to(device), b.srcLengths, b.tgtIn.to(device), { teacherForcing });
  return model.forward(b.src.to(device), b.tgtIn.to(device), {
    srcPaddingMask: b.srcPaddingMask.to(device),
    tgtPaddingMask: b.tgtPaddingMask.to(device),
  });
}

/** The device of a model's parameters (where its batches go). */
export function deviceOf(model: MTModel): string {
  return model.parameters()[0]?.device ?? "cpu";
}

export interface LoadedTranslator {
  model: MTModel;
  srcVocab: Vocab;
  tgtVocab: Vocab;
  config: MTTrainConfig;
  dataName: MTDataName;
  file: string;
}

/**
 * A trained translator from a run folder or a checkpoint file, in eval mode. A folder gives its best
 * checkpoint (by validation loss), or its latest when the run evaluates its last model (d2l's demos).
 */
export function loadTranslator(ckpt: string): LoadedTranslator {
  const lastFile = path.join(ckpt, "checkpoint.safetensors");
  const bestFile = path.join(ckpt, "best.safetensors");
  let file = ckpt;
  if (!ckpt.endsWith(".safetensors")) {
    if (!existsSync(lastFile) && !existsSync(bestFile))
      throw new Error(`no translation checkpoint at ${bestFile} or ${lastFile}`);
    file = existsSync(bestFile) ? bestFile : lastFile;
  } else if (!existsSync(ckpt)) throw new Error(`no translation checkpoint at ${ckpt}`);
  let saved = loadCheckpoint(file);
  if (
    file === bestFile &&
    (saved.config as Partial<MTTrainConfig> | null | undefined)?.eval_checkpoint === "last" &&
    existsSync(lastFile)
  ) {
    file = lastFile;
    saved = loadCheckpoint(file);
  }
  expectCheckpointKind(saved, "train translate", file, "translation checkpoint");
  assertFiniteWeights(saved.model, file, "translation checkpoint");
  const extra = saved.extra as { srcVocab?: unknown; tgtVocab?: unknown } | undefined;
  if (!extra?.srcVocab || !extra.tgtVocab)
    throw new Error(`${file} is not a translation checkpoint from gradstack (no vocabularies inside)`);
  const config = storedConfig(file, saved.config, MT_TRAIN_DEFAULTS);
  const srcVocab = namingFile(file, () => Vocab.fromJSON(extra.srcVocab));
  const tgtVocab = namingFile(file, () => Vocab.fromJSON(extra.tgtVocab));
  validateCheckpointConfig(
    file,
    saved.model,
    translatorCheckpointExpectations(config, srcVocab.size, tgtVocab.size),
  );
  const model = namingFile(file, () => buildModel(config, srcVocab, tgtVocab));
  namingFile(file, () => model.loadStateDict(saved.model));
  model.eval();
  return { model, srcVocab, tgtVocab, config, dataName: checkDataName(config.data), file };
}
