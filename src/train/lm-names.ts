/**
 * makemore on names: a count-based and a neural bigram model (lecture 1), the Bengio MLP (lecture 2) and
 * RNN/LSTM/GRU models (makemore.py), each trained on the 80% split and measured on the dev and test
 * splits in mean negative log-likelihood per character (nats), the lectures' loss.
 */
import { Tensor } from "../tensor/tensor.js";
import { randint } from "../tensor/create.js";
import { Generator, manualSeed } from "../tensor/random.js";
import { noGrad } from "../autograd/grad-mode.js";
import { clipGradNorm_ } from "../nn/utils.js";
import * as F from "../nn/functional.js";
import type { Module } from "../nn/module.js";
import { cosineWithWarmupLr } from "../optim/lr-scheduler.js";
import { SGD } from "../optim/sgd.js";
import type { CharTokenizer } from "../text/tokenizers/char-tokenizer.js";
import { Bigram, BigramCounts } from "../models/bigram.js";
import { MLPLanguageModel } from "../models/mlp-lm.js";
import { RNNLanguageModel } from "../models/rnn-lm.js";
import { contextExamples, loadNames, wordBatch, wordIds } from "./lm-data.js";
import { makeOptimizer, RunRecorder, type LMHooks } from "./lm-run.js";

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
};

export type NamesBigramConfig = typeof NAMES_BIGRAM_DEFAULTS;

/**
 * Fits the bigram model on the training names. With method "counts" also returns `whole`: the counts
 * fitted on all names and evaluated on all names, the lecture's number (2.4764 with +1 smoothing).
 */
export function trainNamesBigram(
  config: Partial<NamesBigramConfig> = {},
  hooks: LMHooks = {},
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
    hooks.onStart?.({ params: 0, totalIters: 0, description: `count bigram, add-${c.smoothing} smoothing` });
    const model = new BigramCounts(V, { smoothing: c.smoothing }).fit(train);
    const whole = new BigramCounts(V, { smoothing: c.smoothing }).fit(ids(data.all)).nll(ids(data.all));
    const [trainNll, devNll, testNll] = [train, dev, test].map((s) => model.nll(s));
    run.eval(0, { train_loss: trainNll, val_loss: devNll, test_loss: testNll, whole_set_loss: whole });
    hooks.onEval?.({ iter: 0, train: trainNll, val: devNll, saved: true });
    run.save(model, c, 0, tok);
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
  const xs = train.flatMap((w) => w.slice(0, -1));
  const ys = train.flatMap((w) => w.slice(1));
  const x = new Tensor(Int32Array.from(xs), [xs.length, 1]);
  const y = new Tensor(Int32Array.from(ys), [ys.length, 1]);
  const model = new Bigram(V);
  const W = model.token_embedding_table.weight;
  const opt = new SGD([W], { lr: c.learning_rate });
  hooks.onStart?.({
    params: model.numParameters(),
    totalIters: c.max_iters,
    description: "neural bigram, full batch",
  });
  for (let iter = 0; iter < c.max_iters; iter++) {
    const t0 = performance.now();
    const nll = model.forward(x, y).loss!;
    const loss = nll.add(W.square().mean().mul(c.reg));
    opt.zeroGrad();
    loss.backward();
    opt.step();
    const ms = performance.now() - t0;
    run.step(iter, nll.item(), c.learning_rate, ms);
    hooks.onStep?.({
      iter,
      loss: nll.item(),
      lr: c.learning_rate,
      ms,
      tokensPerSec: xs.length / (ms / 1000),
    });
  }
  const evalSplit = (s: number[][]) => {
    const bx = s.flatMap((w) => w.slice(0, -1));
    const by = s.flatMap((w) => w.slice(1));
    return noGrad(() =>
      model
        .forward(
          new Tensor(Int32Array.from(bx), [bx.length, 1]),
          new Tensor(Int32Array.from(by), [by.length, 1]),
        )
        .loss!.item(),
    );
  };
  const [trainNll, devNll, testNll] = [train, dev, test].map(evalSplit);
  run.eval(c.max_iters, { train_loss: trainNll, val_loss: devNll, test_loss: testNll });
  hooks.onEval?.({ iter: c.max_iters, train: trainNll, val: devNll, saved: true });
  run.save(model, c, c.max_iters, tok);
  run.finish("neural bigram on names");
  const samples = sampleNames(model, tok, c.num_samples, c.seed);
  return {
    model,
    tokenizer: tok,
    train: trainNll,
    dev: devNll,
    test: testNll,
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
};

export type NamesMLPConfig = typeof NAMES_MLP_DEFAULTS;

/** Mean cross-entropy of the MLP over all contexts of a split, in chunks. */
function mlpLoss(model: MLPLanguageModel, X: Tensor, Y: Tensor): number {
  return noGrad(() => {
    const N = X.shape[0];
    let sum = 0;
    for (let i = 0; i < N; i += 16384) {
      const n = Math.min(16384, N - i);
      sum += F.crossEntropy(model.forwardContexts(X.narrow(0, i, n)), Y.narrow(0, i, n), {
        reduction: "sum",
      }).item();
    }
    return sum / N;
  });
}

export function trainNamesMLP(
  config: Partial<NamesMLPConfig> = {},
  hooks: LMHooks = {},
): NamesResult<MLPLanguageModel> {
  const c = { ...NAMES_MLP_DEFAULTS, ...config };
  const data = loadNames(c.data_path, c.split_seed);
  const tok = data.tokenizer;
  const [tr, dv, te] = [data.train, data.dev, data.test].map((w) => contextExamples(tok, w, c.block_size));
  manualSeed(c.seed);
  const model = new MLPLanguageModel({
    vocabSize: tok.vocabSize,
    blockSize: c.block_size,
    embedDim: c.embed_dim,
    hiddenSize: c.hidden_size,
    padId: 0,
  });
  const opt = new SGD(model.parameters(), { lr: c.learning_rate });
  const run = new RunRecorder(c.out_dir);
  hooks.onStart?.({
    params: model.numParameters(),
    totalIters: c.max_iters,
    description: `MLP ${c.block_size}×${c.embed_dim} -> ${c.hidden_size} tanh -> ${tok.vocabSize}`,
  });
  const N = tr.X.shape[0];
  const start = performance.now();
  let best = Infinity;
  let iter = 0;
  for (;;) {
    const outOfTime = c.max_seconds > 0 && (performance.now() - start) / 1000 >= c.max_seconds;
    const last = iter >= c.max_iters || outOfTime;
    if ((iter > 0 && iter % c.eval_interval === 0) || last) {
      const trainLoss = mlpLoss(model, tr.X, tr.Y);
      const devLoss = mlpLoss(model, dv.X, dv.Y);
      const saved = devLoss < best;
      if (saved) {
        best = devLoss;
        run.save(model, c, iter, tok, { dev_loss: devLoss });
      }
      run.eval(iter, { train_loss: trainLoss, val_loss: devLoss });
      hooks.onEval?.({ iter, train: trainLoss, val: devLoss, saved });
    }
    if (last) break;
    const lr = iter < c.lr_decay_iter ? c.learning_rate : c.lr_decayed;
    for (const g of opt.paramGroups) g.lr = lr;
    const t0 = performance.now();
    const ix = randint(0, N, [c.batch_size]);
    const logits = model.forwardContexts(tr.X.indexSelect(0, ix));
    const loss = F.crossEntropy(logits, tr.Y.indexSelect(0, ix));
    opt.zeroGrad();
    loss.backward();
    opt.step();
    const ms = performance.now() - t0;
    if (iter % c.log_interval === 0) run.step(iter, loss.item(), lr, ms);
    hooks.onStep?.({ iter, loss: loss.item(), lr, ms, tokensPerSec: c.batch_size / (ms / 1000) });
    iter++;
  }
  run.finish(`MLP language model on names (${c.block_size}-token context)`);
  const result = {
    model,
    tokenizer: tok,
    train: mlpLoss(model, tr.X, tr.Y),
    dev: mlpLoss(model, dv.X, dv.Y),
    test: mlpLoss(model, te.X, te.Y),
    samples: sampleNames(model, tok, c.num_samples, c.seed),
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
};

export type NamesRNNConfig = typeof NAMES_RNN_DEFAULTS;

/** Mean NLL per character of a recurrent LM over all words of a split. */
function wordsLoss(model: RNNLanguageModel, tok: CharTokenizer, words: string[]): number {
  const wasTraining = model.training;
  model.eval();
  try {
    return noGrad(() => {
      let sum = 0;
      let count = 0;
      for (let i = 0; i < words.length; i += 2048) {
        const { x, y } = wordBatch(tok, words.slice(i, i + 2048));
        const { logits } = model.forward(x, y);
        const V = logits.shape[2];
        const t = y.reshape([-1]);
        sum += F.crossEntropy(logits.reshape([-1, V]), t, { ignoreIndex: -1, reduction: "sum" }).item();
        count += t.ne(-1).sum().item();
      }
      return sum / count;
    });
  } finally {
    model.train(wasTraining);
  }
}

/** makemore.py's setup: random batches of whole names, padded, targets -1 past each name's end. */
export function trainNamesRNN(
  config: Partial<NamesRNNConfig> = {},
  hooks: LMHooks = {},
): NamesResult<RNNLanguageModel> {
  const c = { ...NAMES_RNN_DEFAULTS, ...config };
  const data = loadNames(c.data_path, c.split_seed);
  const tok = data.tokenizer;
  manualSeed(c.seed);
  const model = new RNNLanguageModel({
    cell: c.cell as "rnn" | "lstm" | "gru",
    vocabSize: tok.vocabSize,
    embedDim: c.embed_dim,
    hiddenSize: c.hidden_size,
    numLayers: c.num_layers,
    dropout: c.dropout,
  });
  const opt = makeOptimizer(c.optimizer, model.parameters(), c.learning_rate, c.weight_decay);
  const run = new RunRecorder(c.out_dir);
  hooks.onStart?.({
    params: model.numParameters(),
    totalIters: c.max_iters,
    description: `${c.cell.toUpperCase()} ${c.num_layers}×${c.hidden_size}, embedding ${c.embed_dim}`,
  });
  const start = performance.now();
  let best = Infinity;
  let iter = 0;
  let recent: number[] = [];
  for (;;) {
    const outOfTime = c.max_seconds > 0 && (performance.now() - start) / 1000 >= c.max_seconds;
    const last = iter >= c.max_iters || outOfTime;
    if ((iter > 0 && iter % c.eval_interval === 0) || last) {
      const devLoss = wordsLoss(model, tok, data.dev);
      const trainLoss = recent.length ? recent.reduce((a, b) => a + b, 0) / recent.length : NaN;
      recent = [];
      const saved = devLoss < best;
      if (saved) {
        best = devLoss;
        run.save(model, c, iter, tok, { dev_loss: devLoss });
      }
      run.eval(iter, { train_loss: trainLoss, val_loss: devLoss });
      hooks.onEval?.({ iter, train: trainLoss, val: devLoss, saved });
    }
    if (last) break;
    const lr = cosineWithWarmupLr(iter, {
      lr: c.learning_rate,
      warmupIters: c.warmup_iters,
      lrDecayIters: Math.max(c.max_iters, c.warmup_iters + 1),
      minLr: c.min_lr,
    });
    for (const g of opt.paramGroups) g.lr = lr;
    const t0 = performance.now();
    const ix = randint(0, data.train.length, [c.batch_size]).toArray();
    const { x, y } = wordBatch(
      tok,
      Array.from(ix, (i) => data.train[i]),
    );
    const { loss } = model.forward(x, y);
    opt.zeroGrad();
    loss!.backward();
    if (c.grad_clip > 0) clipGradNorm_(model.parameters(), c.grad_clip);
    opt.step();
    const ms = performance.now() - t0;
    const lossValue = loss!.item();
    recent.push(lossValue);
    if (iter % c.log_interval === 0) run.step(iter, lossValue, lr, ms);
    hooks.onStep?.({ iter, loss: lossValue, lr, ms, tokensPerSec: x.numel() / (ms / 1000) });
    iter++;
  }
  run.finish(`${c.cell.toUpperCase()} language model on names`);
  const result = {
    model,
    tokenizer: tok,
    train: wordsLoss(model, tok, data.train),
    dev: wordsLoss(model, tok, data.dev),
    test: wordsLoss(model, tok, data.test),
    samples: sampleNames(model, tok, c.num_samples, c.seed),
    checkpoint: run.checkpoint,
  };
  run.log({ iter, split: "final", train_loss: result.train, val_loss: result.dev, test_loss: result.test });
  return result;
}
