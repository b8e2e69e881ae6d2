/**
 * Training a translation model (GRU + Bahdanau attention, or the Transformer) the way bentrevett's
 * notebooks and d2l do: length-bucketed batches, Adam, gradient clipping, a validation loss after every
 * epoch, the best and the latest checkpoint, resuming mid-epoch, JSONL metrics and an SVG loss curve,
 * then test BLEU of the best checkpoint.
 */
import { existsSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { Generator, manualSeed } from "../tensor/random.js";
import { Adam } from "../optim/adam.js";
import type { Optimizer } from "../optim/optimizer.js";
import { loadCheckpoint, type Checkpoint } from "../io/checkpoint.js";
import { Vocab } from "../text/tokenizers/vocab.js";
import { bucketBatches, translationBatch } from "../data/parallel.js";
import type { BleuScore } from "../text/bleu/bleu.js";
import { encodeSplit, loadMTData, mtTokenizer, type MTDataName } from "../data/translation-corpora.js";
import { batchLogits, buildModel, type MTModel } from "./mt-model.js";
import { d2lReport, evaluateBleu, evaluateLoss, type Translation } from "./mt-eval.js";
import { trainSteps, type TrainHooks } from "./loop.js";
import { hostModel } from "./host-model.js";
import { runAsync, runSync, type Reads } from "./reads.js";
import { RunRecorder } from "./recorder.js";
import { nanPolicy } from "./health.js";

/** Options of `gradstack train translate` (snake_case flags); arch- and data-specific presets apply on top. */
export const MT_TRAIN_DEFAULTS = {
  arch: "transformer", // or "gru-attn"
  data: "multi30k", // or "fra-eng"
  /** Folder of the corpus: required for multi30k (not shipped); "" = the shipped data/fra-eng. */
  data_dir: "",
  src: "de",
  tgt: "en",
  out_dir: "",
  init_from: "scratch", // or "resume"
  epochs: 10,
  batch_size: 128,
  lr: 5e-4,
  /** Linear warmup of the learning rate over this many steps (0: none). */
  warmup_iters: 0,
  grad_clip: 1.0,
  label_smoothing: 0.1,
  min_freq: 2,
  /** Longest training sequence in tokens (with <eos>); longer ones are cut. */
  max_tokens: 100,
  /** fra-eng: the first num_train pairs train, the next num_val validate (d2l: 512 and 128). */
  num_train: 512,
  num_val: 128,
  log_interval: 10,
  /** Stop (and save, for --init_from resume) after this many seconds of training; 0: no limit. */
  max_seconds: 0,
  /** On a non-finite loss or gradient: "stop" the run, "skip" the step, or "continue" (train/health.ts). */
  nan_policy: "stop",
  /** Where the model trains: "cpu" or "webgpu" (after `await gs.webgpu.init()`); test BLEU decodes on the CPU. */
  device: "cpu",
  seed: 1234,
  /** After the last epoch: BLEU on the test split... */
  eval_test: true,
  /** ... of the "best" checkpoint by validation loss (bentrevett) or of the "last" model (d2l). */
  eval_checkpoint: "best",
  beam_size: 1,
  length_penalty: 0,
  max_decode_len: 50,
  dropout: 0.1,
  // gru-attn
  /** Dropout on the token embeddings (bentrevett 0.5, d2l 0). */
  embedding_dropout: 0.5,
  /** "normal" (bentrevett's N(0, 0.01)) or "xavier" (d2l's). */
  init: "normal",
  emb_dim: 256,
  enc_hidden: 512,
  dec_hidden: 512,
  bidirectional: true,
  num_layers: 1,
  deep_output: true,
  teacher_forcing: 1.0,
  // transformer
  d_model: 256,
  nhead: 8,
  enc_layers: 3,
  dec_layers: 3,
  ff_dim: 512,
  norm_first: false,
  activation: "relu",
  positional: "sinusoidal",
};

export type MTTrainConfig = typeof MT_TRAIN_DEFAULTS;

/** Settings of the published runs: bentrevett's notebooks 3 and 6 on Multi30k, d2l 10.7 and 11.7 on fra-eng. */
export const MT_PRESETS: Record<string, Partial<MTTrainConfig>> = {
  "gru-attn/multi30k": {
    lr: 1e-3,
    dropout: 0.5,
    embedding_dropout: 0.5,
    label_smoothing: 0,
    teacher_forcing: 0.5,
  },
  // bentrevett trains without label smoothing; --label_smoothing=0.1 gives the paper's (at some cost per step).
  "transformer/multi30k": { lr: 5e-4, dropout: 0.1, label_smoothing: 0 },
  "gru-attn/fra-eng": {
    src: "en",
    tgt: "fr",
    epochs: 30,
    lr: 0.005,
    dropout: 0.2,
    embedding_dropout: 0,
    init: "xavier",
    label_smoothing: 0,
    emb_dim: 256,
    enc_hidden: 256,
    dec_hidden: 256,
    bidirectional: false,
    num_layers: 2,
    deep_output: false,
    max_tokens: 9,
    max_decode_len: 10,
    log_interval: 1,
    eval_checkpoint: "last",
  },
  "transformer/fra-eng": {
    src: "en",
    tgt: "fr",
    epochs: 30,
    lr: 0.001,
    dropout: 0.2,
    label_smoothing: 0,
    d_model: 256,
    ff_dim: 64,
    nhead: 4,
    enc_layers: 2,
    dec_layers: 2,
    max_tokens: 9,
    max_decode_len: 10,
    log_interval: 1,
    eval_checkpoint: "last",
  },
};

/** Keys that fix the data and the model; a resumed run takes them from its checkpoint. */
const SHAPE_KEYS = [
  "arch",
  "data",
  "data_dir",
  "src",
  "tgt",
  "min_freq",
  "max_tokens",
  "num_train",
  "num_val",
  "seed",
  "dropout",
  "embedding_dropout",
  "init",
  "emb_dim",
  "enc_hidden",
  "dec_hidden",
  "bidirectional",
  "num_layers",
  "deep_output",
  "d_model",
  "nhead",
  "enc_layers",
  "dec_layers",
  "ff_dim",
  "norm_first",
  "activation",
  "positional",
] as const;

export interface MTResults {
  data: string;
  arch: string;
  epochsDone: number;
  steps: number;
  trainSeconds: number;
  bestValLoss: number;
  test?: {
    split: string;
    sentences: number;
    beamSize: number;
    sacrebleu: number;
    sacrebleuString: string;
    tokenBleu: number;
    tokenBleuString: string;
    seconds: number;
  };
  /** fra-eng: d2l's sample sentences. */
  samples?: string[];
}

export interface MTTrainResult {
  model: MTModel;
  config: MTTrainConfig;
  finished: boolean;
  results: MTResults;
  translations?: Translation[];
}

/** What a translation checkpoint holds besides the loop's progress. */
interface SavedVocabs {
  srcVocab: unknown;
  tgtVocab: unknown;
}

/** The config for arch/data presets, a base, and overrides (overrides win). */
export function mtConfig(overrides: Partial<MTTrainConfig>): MTTrainConfig {
  const arch = overrides.arch ?? MT_TRAIN_DEFAULTS.arch;
  const data = overrides.data ?? MT_TRAIN_DEFAULTS.data;
  const c = { ...MT_TRAIN_DEFAULTS, ...(MT_PRESETS[`${arch}/${data}`] ?? {}), ...overrides };
  if (!c.out_dir) c.out_dir = `out-mt-${arch}-${data}`;
  return c;
}

/** Trains (or resumes) a translation model on the CPU; evaluates test BLEU when all epochs are done. */
export function trainTranslator(config: Partial<MTTrainConfig>, hooks: TrainHooks = {}): MTTrainResult {
  return runSync(translatorTraining(config, hooks));
}

/** trainTranslator on any device (`device: "webgpu"` after `await gs.webgpu.init()`). */
export function trainTranslatorAsync(
  config: Partial<MTTrainConfig>,
  hooks: TrainHooks = {},
): Promise<MTTrainResult> {
  return runAsync(translatorTraining(config, hooks));
}

function* translatorTraining(config: Partial<MTTrainConfig>, hooks: TrainHooks): Reads<MTTrainResult> {
  let c = mtConfig(config);
  if (c.arch !== "gru-attn" && c.arch !== "transformer")
    throw new Error(`train translate: --arch must be "gru-attn" or "transformer", got "${c.arch}"`);
  const recorder = new RunRecorder(c.out_dir);
  let resume: Checkpoint | null = null;
  if (c.init_from === "resume") {
    if (!existsSync(recorder.checkpoint))
      throw new Error(`train translate: --init_from=resume but there is no ${recorder.checkpoint}`);
    resume = loadCheckpoint(recorder.checkpoint);
    const saved = resume.config as MTTrainConfig;
    for (const k of SHAPE_KEYS) if (k in saved) (c as Record<string, unknown>)[k] = saved[k];
  } else if (c.init_from !== "scratch")
    throw new Error(`train translate: init_from must be "scratch" or "resume", got "${c.init_from}"`);
  for (const k of ["epochs", "batch_size", "log_interval", "max_tokens", "min_freq"] as const)
    if (!Number.isInteger(c[k]) || c[k] < 1)
      throw new RangeError(`train translate: --${k} must be a positive integer, got ${c[k]}`);
  c = { ...c };

  const saved = resume?.extra as SavedVocabs | undefined;
  const { train, val, test, srcVocab, tgtVocab, summary } = prepareData(c, saved);
  const padId = tgtVocab.padId!;

  manualSeed(c.seed);
  const model = buildModel(c, srcVocab, tgtVocab).to(c.device);
  const lengths = Array.from(
    { length: train.length },
    (_, i) => train.srcLength(i) * 1000 + train.tgtLength(i),
  );
  const fit = yield* trainSteps(
    {
      name: "train translate",
      description: `${c.data} ${c.src}→${c.tgt}: ${summary.trainPairs} training pairs, ${summary.valPairs} validation, ${summary.testPairs} test; vocabularies ${summary.srcVocabSize} / ${summary.tgtVocabSize}`,
      model,
      optimizer: new Adam(model.parameters(), { lr: c.lr }) as unknown as Optimizer,
      config: c,
      // Each epoch's batch order comes from its own seed, so a resumed epoch sees the same batches.
      epochBatches: (epoch) =>
        bucketBatches(lengths, {
          batchSize: c.batch_size,
          generator: new Generator(c.seed * 1000 + epoch),
        }),
      loss: (indices) => {
        const b = translationBatch(
          indices.map((i) => train.get(i)),
          padId,
        );
        const logits = batchLogits(model, b, c.teacher_forcing);
        return { loss: model.loss(logits, b.tgtOut.to(c.device), c.label_smoothing), tokens: b.numTokens };
      },
      *evaluate() {
        return { val: yield* evaluateLoss(model, val, padId) };
      },
      lr: (step) => (c.warmup_iters > 0 ? c.lr * Math.min(1, (step + 1) / c.warmup_iters) : c.lr),
      checkpointExtra: () =>
        ({ srcVocab: srcVocab.toJSON(), tgtVocab: tgtVocab.toJSON() }) satisfies SavedVocabs,
    },
    {
      // A run cut short by max_seconds saves where it is, to be resumed in the middle of the epoch.
      schedule: { kind: "epochs", epochs: c.epochs, evalOnStop: false },
      recorder,
      nanPolicy: nanPolicy(c.nan_policy, "train translate"),
      gradClip: c.grad_clip,
      logInterval: c.log_interval,
      maxSeconds: c.max_seconds,
      checkpoints: "last+best",
      resumeFrom: resume,
      title: `${c.arch} on ${c.data} ${c.src}→${c.tgt}`,
      trainCurveName: "train (label-smoothed)",
    },
    hooks,
  );
  const results: MTResults = {
    data: c.data,
    arch: c.arch,
    epochsDone: fit.epoch,
    steps: fit.iter,
    trainSeconds: fit.seconds,
    bestValLoss: fit.bestVal,
  };
  let translations: Translation[] | undefined;
  const finished = fit.epoch >= c.epochs;
  if (finished && c.eval_test) {
    if (c.eval_checkpoint !== "best" && c.eval_checkpoint !== "last")
      throw new Error(
        `train translate: --eval_checkpoint must be "best" or "last", got "${c.eval_checkpoint}"`,
      );
    if (c.eval_checkpoint === "best" && existsSync(recorder.bestCheckpoint))
      model.loadStateDict(loadCheckpoint(recorder.bestCheckpoint).model);
    const t0 = performance.now();
    // Beam search reads every decoded token: it runs on the CPU, from the weights read back once.
    const decoder = yield* hostModel(model, () => buildModel(c, srcVocab, tgtVocab));
    const report = evaluateBleu(
      decoder,
      test,
      { dataName: summary.name, srcVocab, tgtVocab },
      {
        beamSize: c.beam_size,
        lengthPenalty: c.length_penalty,
        maxLen: c.max_decode_len,
        onProgress: hooks.onEvalProgress,
      },
    );
    translations = report.translations;
    results.test = {
      split: summary.name === "multi30k" ? "test_2016_flickr" : "d2l samples",
      sentences: test.text.src.length,
      beamSize: c.beam_size,
      ...bleuFields(report.sacrebleu, report.tokenBleu),
      seconds: (performance.now() - t0) / 1000,
    };
    writeFileSync(path.join(c.out_dir, "test.hyp.txt"), translations.map((t) => t.text).join("\n") + "\n");
    if (summary.name === "fra-eng")
      results.samples = d2lReport(translations, test.text, mtTokenizer("fra-eng"));
  }
  writeFileSync(path.join(c.out_dir, "results.json"), JSON.stringify(results, null, 2) + "\n");
  return { model, config: c, finished, results, translations };
}

/** What a run's start reports about its corpus. */
export interface MTDataSummary {
  name: MTDataName;
  trainPairs: number;
  valPairs: number;
  testPairs: number;
  srcVocabSize: number;
  tgtVocabSize: number;
}

/**
 * The corpus as training uses it: training and validation pairs encoded and packed, the test split as
 * text. The token lists are dropped here, as soon as they are encoded: kept, their 10^5 small objects
 * made every full garbage collection (about 30 per training step) 40 ms slower.
 */
function prepareData(c: MTTrainConfig, saved: SavedVocabs | undefined) {
  const data = loadMTData(c);
  const srcVocab = saved ? Vocab.fromJSON(saved.srcVocab) : data.srcVocab;
  const tgtVocab = saved ? Vocab.fromJSON(saved.tgtVocab) : data.tgtVocab;
  const summary: MTDataSummary = {
    name: data.name,
    trainPairs: data.train.text.src.length,
    valPairs: data.val.text.src.length,
    testPairs: data.test.text.src.length,
    srcVocabSize: srcVocab.size,
    tgtVocabSize: tgtVocab.size,
  };
  return {
    train: encodeSplit(data.train, srcVocab, tgtVocab, c.max_tokens),
    val: encodeSplit(data.val, srcVocab, tgtVocab, c.max_tokens),
    test: data.test,
    srcVocab,
    tgtVocab,
    summary,
  };
}

function bleuFields(sacre: BleuScore, token: BleuScore) {
  return {
    sacrebleu: sacre.score,
    sacrebleuString: String(sacre),
    tokenBleu: token.score,
    tokenBleuString: String(token),
  };
}
