/**
 * makemore on names: a count-based and a neural bigram model (lecture 1), the Bengio MLP (lecture 2) and
 * RNN/LSTM/GRU models (makemore.py), each trained on the 80% split and measured on the dev and test
 * splits in mean negative log-likelihood per character (nats), the lectures' loss.
 */
import { Tensor } from "../tensor/tensor.js";
import { randint } from "../tensor/create.js";
import { Generator, getRngState, manualSeed } from "../tensor/random.js";
import { noGrad } from "../autograd/grad-mode.js";
import * as F from "../nn/functional.js";
import type { Module } from "../nn/module.js";
import { cosineWithWarmupLr } from "../optim/lr-scheduler.js";
import { SGD } from "../optim/sgd.js";
import type { Optimizer } from "../optim/optimizer.js";
import type { CharTokenizer } from "../text/tokenizers/char-tokenizer.js";
import { Bigram, BigramCounts } from "../models/bigram.js";
import { MLPLanguageModel } from "../models/mlp-lm.js";
import type { RNNLanguageModel } from "../models/rnn-lm.js";
import { contextExamples, loadNames, wordBatch, wordIds } from "../data/char-lm.js";
import { trainLoop, trainSteps, type TrainHooks } from "./loop.js";
import { hostModel } from "./host-model.js";
import { readNumbers, runAsync, runSync, type Reads } from "./reads.js";
import { makeOptimizer } from "./make-optimizer.js";
import { RunRecorder } from "./recorder.js";
import { nanPolicy } from "./health.js";
import { rnnModel } from "./rnn-model.js";

export interface NamesResult<M extends Module> {
  model: M;
  tokenizer: CharTokenizer;
  /** Mean NLL per character on each split (nats). */
  train: number;
  dev: number;
  test: number;
  samples: string[];
  checkpoint: string;
}

/** A model that extends (B, T) token ids by sampled tokens. */
interface Generative {
  generate(idx: Tensor, maxNewTokens: number, opts: { generator?: Generator }): Tensor;
}

/** n names sampled from the start token, each cut at its end token. */
export function sampleNames(model: Generative, tok: CharTokenizer, n: number, seed: number): string[] {
  if (n <= 0) return [];
  const out = model.generate(Tensor.empty([n, 1], "int32"), 20, { generator: new Generator(seed) });
  const rows = out.tolist() as number[][];
  return rows.map((row) => {
    const end = row.indexOf(0, 1);
    return tok.decode(row.slice(1, end < 0 ? row.length : end));
  });
}

// ---- bigram -------------------------------------------------------------------------------------------

export const NAMES_BIGRAM_DEFAULTS = {
  out_dir: "out-names-bigram",
  /** names.txt to use; empty means the shipped data/names/names.txt. */
  data_path: "",
  split_seed: 42,
  /** "counts" (normalised bigram counts) or "neural" (a learned 27×27 logit table). */
  method: "counts",
  /** Add-k smoothing of the counts (makemore: 1). */
  smoothing: 1,
  /** neural: full-batch gradient steps, learning rate and W² penalty, as the lecture. */
  max_iters: 100,
  learning_rate: 50,
  reg: 0.01,
  seed: 2147483647,
  num_samples: 10,
  /** On a non-finite loss or gradient: "stop" the run, "skip" the step, or "continue" (train/health.ts). */
  nan_policy: "stop",
};

export type NamesBigramConfig = typeof NAMES_BIGRAM_DEFAULTS;

/**
 * Fits the bigram model on the training names. With method "counts" also returns `whole`: the counts
 * fitted on all names and evaluated on all names, the lecture's number (2.4764 with +1 smoothing).
 */
export function trainNamesBigram(
  config: Partial<NamesBigramConfig> = {},
  hooks: TrainHooks = {},
): NamesResult<BigramCounts | Bigram> & { whole: number | null } {
  const c = { ...NAMES_BIGRAM_DEFAULTS, ...config };
  const data = loadNames(c.data_path, c.split_seed);
  const tok = data.tokenizer;
  const V = tok.vocabSize;
  const ids = (words: string[]) => words.map((w) => wordIds(tok, w));
  const [train, dev, test] = [ids(data.train), ids(data.dev), ids(data.test)];
  const run = new RunRecorder(c.out_dir);
  manualSeed(c.seed);
  if (c.method === "counts") {
    // Counting is not training: no steps, one evaluation, one checkpoint.
    hooks.onStart?.({
      description: `count bigram, add-${c.smoothing} smoothing`,
      params: 0,
      startIter: 0,
      totalIters: 0,
      device: "cpu",
    });
    const model = new BigramCounts(V, { smoothing: c.smoothing }).fit(train);
    const whole = new BigramCounts(V, { smoothing: c.smoothing }).fit(ids(data.all)).nll(ids(data.all));
    const [trainNll, devNll, testNll] = [train, dev, test].map((s) => model.nll(s));
    run.eval({ iter: 0, train_loss: trainNll, val_loss: devNll, test_loss: testNll, whole_set_loss: whole });
    hooks.onEval?.({
      iter: 0,
      train: trainNll,
      val: devNll,
      extra: { test_loss: testNll },
      saved: true,
      seconds: 0,
    });
    run.save("checkpoint", {
      model: model.stateDict(),
      config: c,
      step: 0,
      rng: getRngState(),
      extra: { tokenizer: tok.toJSON(), trainer: "train bigram" },
    });
    const samples = sampleNames(model, tok, c.num_samples, c.seed);
    return {
      model,
      tokenizer: tok,
      train: trainNll,
      dev: devNll,
      test: testNll,
      whole,
      samples,
      checkpoint: run.checkpoint,
    };
  }
  if (c.method !== "neural")
    throw new RangeError(`train bigram: method must be "counts" or "neural", got "${c.method}"`);

  // All training bigrams as one batch of length-1 sequences: x (N, 1) -> y (N, 1).
  const pairs = (s: number[][]) => {
    const xs = s.flatMap((w) => w.slice(0, -1));
    const ys = s.flatMap((w) => w.slice(1));
    return {
      x: new Tensor(Int32Array.from(xs), [xs.length, 1]),
      y: new Tensor(Int32Array.from(ys), [ys.length, 1]),
    };
  };
  const batch = pairs(train);
  const model = new Bigram(V);
  const W = model.token_embedding_table.weight;
  const nll = (b: { x: Tensor; y: Tensor }) => noGrad(() => model.forward(b.x, b.y).loss!.item());
  const fit = trainLoop(
    {
      name: "train bigram",
      description: "neural bigram, full batch",
      model,
      optimizer: new SGD([W], { lr: c.learning_rate }) as unknown as Optimizer,
      config: c,
      nextBatch: () => batch,
      loss: ({ x, y }) => {
        const loss = model.forward(x, y).loss!;
        // The lecture's W² penalty is minimised but not reported.
        return { loss: loss.add(W.square().mean().mul(c.reg)), value: loss.item(), tokens: x.shape[0] };
      },
      evaluate: () => ({
        train: nll(batch),
        val: nll(pairs(dev)),
        extra: { test_loss: nll(pairs(test)) },
      }),
      checkpointExtra: () => ({ tokenizer: tok.toJSON() }),
    },
    {
      schedule: { kind: "iterations", maxIters: c.max_iters, evalInterval: Infinity },
      recorder: run,
      nanPolicy: nanPolicy(c.nan_policy, "train bigram"),
      checkpoints: "best",
      title: "neural bigram on names",
    },
    hooks,
  );
  const samples = sampleNames(model, tok, c.num_samples, c.seed);
  const last = fit.lastEval!;
  return {
    model,
    tokenizer: tok,
    train: last.train,
    dev: last.val,
    test: last.extra.test_loss,
    whole: null,
    samples,
    checkpoint: run.checkpoint,
  };
}

// ---- MLP ----------------------------------------------------------------------------------------------

/** Lecture 2's final run: context 3, 10-d embeddings, 200 tanh units, batch 32, SGD 0.1 then 0.01. */
export const NAMES_MLP_DEFAULTS = {
  out_dir: "out-names-mlp",
  data_path: "",
  split_seed: 42,
  block_size: 3,
  embed_dim: 10,
  hidden_size: 200,
  batch_size: 32,
  max_iters: 200000,
  learning_rate: 0.1,
  /** From this iteration on, the learning rate is lr_decayed. */
  lr_decay_iter: 100000,
  lr_decayed: 0.01,
  eval_interval: 10000,
  log_interval: 1000,
  seed: 2147483647,
  num_samples: 20,
  /** Stop after this many seconds of training (0: no limit). */
  max_seconds: 0,
  /** On a non-finite loss or gradient: "stop" the run, "skip" the step, or "continue" (train/health.ts). */
  nan_policy: "stop",
  /** Where the model trains: "cpu" or "webgpu" (after `await gs.webgpu.init()`). */
  device: "cpu",
};

export type NamesMLPConfig = typeof NAMES_MLP_DEFAULTS;

/** Mean cross-entropy of the MLP over all contexts of a split, in chunks on the model's device. */
function* mlpLoss(model: MLPLanguageModel, X: Tensor, Y: Tensor, device: string): Reads<number> {
  const N = X.shape[0];
  const sums = noGrad(() => {
    const out: Tensor[] = [];
    for (let i = 0; i < N; i += 16384) {
      const n = Math.min(16384, N - i);
      const logits = model.forwardContexts(X.narrow(0, i, n).to(device));
      out.push(F.crossEntropy(logits, Y.narrow(0, i, n).to(device), { reduction: "sum" }));
    }
    return out;
  });
  return (yield* readNumbers(sums)).reduce((a, b) => a + b, 0) / N;
}

/** Trains the MLP language model on the CPU (see trainNamesMLPAsync for any device). */
export function trainNamesMLP(
  config: Partial<NamesMLPConfig> = {},
  hooks: TrainHooks = {},
): NamesResult<MLPLanguageModel> {
  return runSync(namesMLPTraining(config, hooks));
}

/** trainNamesMLP on any device (`device: "webgpu"` after `await gs.webgpu.init()`). */
export function trainNamesMLPAsync(
  config: Partial<NamesMLPConfig> = {},
  hooks: TrainHooks = {},
): Promise<NamesResult<MLPLanguageModel>> {
  return runAsync(namesMLPTraining(config, hooks));
}

function* namesMLPTraining(
  config: Partial<NamesMLPConfig>,
  hooks: TrainHooks,
): Reads<NamesResult<MLPLanguageModel>> {
  const c = { ...NAMES_MLP_DEFAULTS, ...config };
  const data = loadNames(c.data_path, c.split_seed);
  const tok = data.tokenizer;
  const [tr, dv, te] = [data.train, data.dev, data.test].map((w) => contextExamples(tok, w, c.block_size));
  manualSeed(c.seed);
  const modelConfig = {
    vocabSize: tok.vocabSize,
    blockSize: c.block_size,
    embedDim: c.embed_dim,
    hiddenSize: c.hidden_size,
    padId: 0,
  };
  const model = new MLPLanguageModel(modelConfig).to(c.device);
  const run = new RunRecorder(c.out_dir);
  const N = tr.X.shape[0];
  const loss = (X: Tensor, Y: Tensor) => mlpLoss(model, X, Y, c.device);
  const fit = yield* trainSteps(
    {
      name: "train mlp",
      description: `MLP ${c.block_size}×${c.embed_dim} -> ${c.hidden_size} tanh -> ${tok.vocabSize}`,
      model,
      optimizer: new SGD(model.parameters(), { lr: c.learning_rate }) as unknown as Optimizer,
      config: c,
      nextBatch: () => randint(0, N, [c.batch_size]),
      loss: (ix) => ({
        loss: F.crossEntropy(
          model.forwardContexts(tr.X.indexSelect(0, ix).to(c.device)),
          tr.Y.indexSelect(0, ix).to(c.device),
        ),
      }),
      *evaluate() {
        return { train: yield* loss(tr.X, tr.Y), val: yield* loss(dv.X, dv.Y) };
      },
      lr: (iter) => (iter < c.lr_decay_iter ? c.learning_rate : c.lr_decayed),
      checkpointExtra: () => ({ tokenizer: tok.toJSON() }),
    },
    {
      schedule: { kind: "iterations", maxIters: c.max_iters, evalInterval: c.eval_interval },
      recorder: run,
      logInterval: c.log_interval,
      maxSeconds: c.max_seconds,
      nanPolicy: nanPolicy(c.nan_policy, "train mlp"),
      checkpoints: "best",
      title: `MLP language model on names (${c.block_size}-token context)`,
    },
    hooks,
  );
  const iter = fit.iter;
  // Sampling reads every drawn token: it runs on the CPU, from the trained weights read back once.
  const sampler = yield* hostModel(model, () => new MLPLanguageModel(modelConfig));
  const result = {
    model,
    tokenizer: tok,
    train: yield* loss(tr.X, tr.Y),
    dev: yield* loss(dv.X, dv.Y),
    test: yield* loss(te.X, te.Y),
    samples: sampleNames(sampler, tok, c.num_samples, c.seed),
    checkpoint: run.checkpoint,
  };
  run.log({ iter, split: "final", train_loss: result.train, val_loss: result.dev, test_loss: result.test });
  return result;
}

// ---- RNN / LSTM / GRU ---------------------------------------------------------------------------------

export const NAMES_RNN_DEFAULTS = {
  out_dir: "out-names-rnn",
  data_path: "",
  split_seed: 42,
  /** "rnn", "lstm" or "gru". */
  cell: "gru",
  embed_dim: 64,
  hidden_size: 256,
  num_layers: 1,
  dropout: 0,
  batch_size: 64,
  max_iters: 3000,
  optimizer: "adamw",
  learning_rate: 5e-3,
  /** The learning rate decays to min_lr along a cosine over max_iters (after warmup_iters). */
  min_lr: 2e-4,
  warmup_iters: 100,
  weight_decay: 0.01,
  grad_clip: 1,
  eval_interval: 500,
  log_interval: 100,
  seed: 3407,
  num_samples: 20,
  max_seconds: 0,
  /** On a non-finite loss or gradient: "stop" the run, "skip" the step, or "continue" (train/health.ts). */
  nan_policy: "stop",
  /** Where the model trains: "cpu" or "webgpu" (after `await gs.webgpu.init()`). */
  device: "cpu",
};

export type NamesRNNConfig = typeof NAMES_RNN_DEFAULTS;

/** Mean NLL per character of a recurrent LM over all words of a split, on the model's device. */
function* wordsLoss(
  model: RNNLanguageModel,
  tok: CharTokenizer,
  words: string[],
  device: string,
): Reads<number> {
  const wasTraining = model.training;
  model.eval();
  let parts: Tensor[];
  try {
    parts = noGrad(() => {
      const out: Tensor[] = [];
      for (let i = 0; i < words.length; i += 2048) {
        const { x, y } = wordBatch(tok, words.slice(i, i + 2048));
        const yd = y.to(device);
        const { logits } = model.forward(x.to(device), yd);
        const t = yd.reshape([-1]);
        const V = logits.shape[2];
        out.push(F.crossEntropy(logits.reshape([-1, V]), t, { ignoreIndex: -1, reduction: "sum" }));
        out.push(t.ne(-1).sum());
      }
      return out;
    });
  } finally {
    model.train(wasTraining);
  }
  const values = yield* readNumbers(parts);
  let sum = 0;
  let count = 0;
  for (let i = 0; i < values.length; i += 2) {
    sum += values[i];
    count += values[i + 1];
  }
  return sum / count;
}

/** makemore.py's setup: random batches of whole names, padded, targets -1 past each name's end (CPU). */
export function trainNamesRNN(
  config: Partial<NamesRNNConfig> = {},
  hooks: TrainHooks = {},
): NamesResult<RNNLanguageModel> {
  return runSync(namesRNNTraining(config, hooks));
}

/** trainNamesRNN on any device (`device: "webgpu"` after `await gs.webgpu.init()`). */
export function trainNamesRNNAsync(
  config: Partial<NamesRNNConfig> = {},
  hooks: TrainHooks = {},
): Promise<NamesResult<RNNLanguageModel>> {
  return runAsync(namesRNNTraining(config, hooks));
}

function* namesRNNTraining(
  config: Partial<NamesRNNConfig>,
  hooks: TrainHooks,
): Reads<NamesResult<RNNLanguageModel>> {
  const c = { ...NAMES_RNN_DEFAULTS, ...config };
  const data = loadNames(c.data_path, c.split_seed);
  const tok = data.tokenizer;
  manualSeed(c.seed);
  const model = rnnModel(c, tok.vocabSize).to(c.device);
  const run = new RunRecorder(c.out_dir);
  const loss = (words: string[]) => wordsLoss(model, tok, words, c.device);
  const fit = yield* trainSteps(
    {
      name: `train ${c.cell}`,
      description: `${c.cell.toUpperCase()} ${c.num_layers}×${c.hidden_size}, embedding ${c.embed_dim}`,
      model,
      optimizer: makeOptimizer(c.optimizer, model.parameters(), c.learning_rate, c.weight_decay),
      config: c,
      nextBatch: () => {
        const ix = randint(0, data.train.length, [c.batch_size]).toArray();
        return wordBatch(
          tok,
          Array.from(ix, (i) => data.train[i]),
        );
      },
      loss: ({ x, y }) => ({ loss: model.forward(x.to(c.device), y.to(c.device)).loss! }),
      // The training loss reported is the running mean since the last evaluation.
      *evaluate() {
        return { val: yield* loss(data.dev) };
      },
      lr: (iter) =>
        cosineWithWarmupLr(iter, {
          lr: c.learning_rate,
          warmupIters: c.warmup_iters,
          lrDecayIters: Math.max(c.max_iters, c.warmup_iters + 1),
          minLr: c.min_lr,
        }),
      checkpointExtra: () => ({ tokenizer: tok.toJSON() }),
    },
    {
      schedule: { kind: "iterations", maxIters: c.max_iters, evalInterval: c.eval_interval },
      recorder: run,
      nanPolicy: nanPolicy(c.nan_policy, `train ${c.cell}`),
      gradClip: c.grad_clip,
      logInterval: c.log_interval,
      maxSeconds: c.max_seconds,
      checkpoints: "best",
      title: `${c.cell.toUpperCase()} language model on names`,
    },
    hooks,
  );
  const iter = fit.iter;
  const sampler = yield* hostModel(model, () => rnnModel(c, tok.vocabSize));
  const result = {
    model,
    tokenizer: tok,
    train: yield* loss(data.train),
    dev: yield* loss(data.dev),
    test: yield* loss(data.test),
    samples: sampleNames(sampler, tok, c.num_samples, c.seed),
    checkpoint: run.checkpoint,
  };
  run.log({ iter, split: "final", train_loss: result.train, val_loss: result.dev, test_loss: result.test });
  return result;
}
