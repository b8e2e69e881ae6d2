/**
 * Character-level RNN/LSTM/GRU language models on text (d2l chapters 9-10, char-rnn). Two ways to cut
 * the text into training sequences:
 * - "windows" (d2l.TimeMachine): every offset i gives one window of num_steps characters; the first
 *   num_train windows are shuffled into batches, the next num_val are the validation set, and every
 *   window starts from a zero state.
 * - "stream" (truncated BPTT): the text is cut into batch_size parallel streams, consecutive windows
 *   continue each stream, and the state is carried from window to window, detached so that backward
 *   stops at the window's start.
 * Gradients are clipped by their global norm; quality is reported as validation perplexity, exp(loss).
 */
import { Tensor } from "../tensor/tensor.js";
import { Generator, manualSeed } from "../tensor/random.js";
import { noGrad } from "../autograd/grad-mode.js";
import { CharTokenizer } from "../text/tokenizers/char-tokenizer.js";
import { RNNLanguageModel, detachState, type RNNState } from "../models/rnn-lm.js";
import { loadCorpus, shuffleInPlace, streamBatches, windowSplit, windowsAt } from "../data/char-lm.js";
import { trainSteps, type TrainHooks } from "./loop.js";
import { hostModel } from "./host-model.js";
import { readNumbers, runAsync, runSync, type Reads } from "./reads.js";
import { makeOptimizer } from "./make-optimizer.js";
import { RunRecorder } from "./recorder.js";
import { nanPolicy } from "./health.js";
import { rnnModel } from "./rnn-model.js";

/** d2l's concise RNN on The Time Machine: one-hot input, 32 hidden units, windows of 32, batch 1024, SGD lr 1. */
export const TEXT_RNN_DEFAULTS = {
  out_dir: "out-text-rnn",
  /** "timemachine", "shakespeare", or the path of a text file. */
  data: "timemachine",
  /** "rnn", "lstm" or "gru". */
  cell: "rnn",
  /** 0 feeds one-hot characters (d2l). */
  embed_dim: 0,
  hidden_size: 32,
  num_layers: 1,
  dropout: 0,
  num_steps: 32,
  batch_size: 1024,
  /** "windows" (d2l) or "stream" (truncated BPTT with the state carried across windows). */
  batching: "windows",
  /** windows: how many windows train and validate (d2l.TimeMachine's num_train, num_val). */
  num_train: 10000,
  num_val: 5000,
  /** stream: the last val_fraction of the text is the validation text. */
  val_fraction: 0.1,
  optimizer: "sgd",
  learning_rate: 1,
  weight_decay: 0,
  max_epochs: 100,
  /** Stop after this many optimizer steps (0: max_epochs decides). */
  max_iters: 0,
  grad_clip: 1,
  /** Evaluate every eval_interval epochs. */
  eval_interval: 1,
  /** Sampled after training: sample_len characters after the prefix. */
  prefix: "time traveller",
  sample_len: 50,
  /** Sampling temperature (0: always the most likely character, as d2l's predict). */
  temperature: 1,
  seed: 0,
  /** Stop after this many seconds of training (0: no limit); the run ends with an evaluation. */
  max_seconds: 0,
  /** On a non-finite loss or gradient: "stop" the run, "skip" the step, or "continue" (train/health.ts). */
  nan_policy: "stop",
  /** Where the model trains: "cpu" or "webgpu" (after `await gs.webgpu.init()`). */
  device: "cpu",
};

export type TextRNNConfig = typeof TEXT_RNN_DEFAULTS;

export interface TextRNNResult {
  model: RNNLanguageModel;
  tokenizer: CharTokenizer;
  iters: number;
  epochs: number;
  /** Validation loss per character and perplexity at the end, and the best perplexity seen. */
  valLoss: number;
  valPerplexity: number;
  bestValPerplexity: number;
  sample: string;
  checkpoint: string;
  /** Wall time of the run, evaluations included (what max_seconds limits). */
  seconds: number;
  /** Training characters per second of optimizer steps (evaluations and sampling excluded). */
  tokensPerSec: number;
}

type Batch = { x: Tensor; y: Tensor };

/** Mean loss per character over batches, in eval mode; the state carries over between batches when `carry`. */
function* meanLoss(model: RNNLanguageModel, batches: Batch[], carry: boolean, device: string): Reads<number> {
  model.eval();
  let losses: Tensor[];
  try {
    losses = noGrad(() => {
      let state: RNNState | null = null;
      return batches.map(({ x, y }) => {
        const out = model.forward(x.to(device), y.to(device), carry ? state : null);
        state = out.state;
        return out.loss!;
      });
    });
  } finally {
    model.train();
  }
  const values = yield* readNumbers(losses);
  let sum = 0;
  let count = 0;
  batches.forEach(({ y }, i) => {
    sum += values[i] * y.numel();
    count += y.numel();
  });
  return sum / count;
}

/** Trains a character RNN/LSTM/GRU LM on a text on the CPU and reports validation perplexity. */
export function trainTextRNN(config: Partial<TextRNNConfig> = {}, hooks: TrainHooks = {}): TextRNNResult {
  return runSync(textRNNTraining(config, hooks));
}

/** trainTextRNN on any device (`device: "webgpu"` after `await gs.webgpu.init()`). */
export function trainTextRNNAsync(
  config: Partial<TextRNNConfig> = {},
  hooks: TrainHooks = {},
): Promise<TextRNNResult> {
  return runAsync(textRNNTraining(config, hooks));
}

function* textRNNTraining(config: Partial<TextRNNConfig>, hooks: TrainHooks): Reads<TextRNNResult> {
  const c = { ...TEXT_RNN_DEFAULTS, ...config };
  if (c.batching !== "windows" && c.batching !== "stream")
    throw new RangeError(`train ${c.cell}: batching must be "windows" or "stream", got "${c.batching}"`);
  const corpus = loadCorpus(c.data);
  const tok = CharTokenizer.fromText(corpus.text);
  const ids = Int32Array.from(tok.encode(corpus.text));
  const T = c.num_steps;
  const B = c.batch_size;

  // Training batches for one epoch (drawn afresh each epoch) and the fixed validation batches.
  let epochBatches: (gen: Generator) => Batch[];
  let valBatches: Batch[];
  if (c.batching === "windows") {
    const split = windowSplit(ids, T, c.num_train, c.num_val);
    epochBatches = (gen) => {
      const order = shuffleInPlace(Array.from(split.train), gen);
      const out: Batch[] = [];
      for (let i = 0; i < order.length; i += B) out.push(windowsAt(ids, order.slice(i, i + B), T));
      return out;
    };
    valBatches = [];
    for (let i = 0; i < split.val.length; i += B)
      valBatches.push(windowsAt(ids, split.val.subarray(i, i + B), T));
  } else {
    const nVal = Math.floor(ids.length * c.val_fraction);
    const trainIds = ids.subarray(0, ids.length - nVal);
    const valIds = ids.subarray(ids.length - nVal);
    epochBatches = (gen) => streamBatches(trainIds, B, T, gen.randint(0, T));
    const valRows = Math.max(1, Math.min(B, Math.floor((valIds.length - 1) / (T * 4))));
    valBatches = streamBatches(valIds, valRows, T);
  }

  manualSeed(c.seed);
  const model = rnnModel(c, tok.vocabSize).to(c.device);
  const run = new RunRecorder(c.out_dir);
  const gen = new Generator(c.seed + 1);
  const carry = c.batching === "stream";
  let state: RNNState | null = null; // stream: carried from window to window within an epoch
  const fit = yield* trainSteps(
    {
      name: `train ${c.cell}`,
      description: `${c.cell.toUpperCase()} ${c.num_layers}×${c.hidden_size} on ${corpus.name} (${tok.vocabSize} characters, ${c.batching})`,
      model,
      optimizer: makeOptimizer(c.optimizer, model.parameters(), c.learning_rate, c.weight_decay),
      config: c,
      totalIters: c.max_iters > 0 ? c.max_iters : c.max_epochs * epochBatches(new Generator(0)).length,
      epochBatches: () => {
        state = null;
        return epochBatches(gen);
      },
      loss: ({ x, y }) => {
        const out = model.forward(x.to(c.device), y.to(c.device), state);
        // Detached, so that the next window's backward stops at its start.
        if (carry) state = detachState(out.state);
        return { loss: out.loss!, tokens: y.numel() };
      },
      *evaluate() {
        const val = yield* meanLoss(model, valBatches, carry, c.device);
        return { val, extra: { val_ppl: Math.exp(val) } };
      },
      checkpointExtra: () => ({ tokenizer: tok.toJSON() }),
    },
    {
      // With max_iters the steps decide, and epochs run until they are done.
      schedule: {
        kind: "epochs",
        epochs: c.max_iters > 0 ? Infinity : c.max_epochs,
        maxIters: c.max_iters > 0 ? c.max_iters : Infinity,
        evalInterval: c.eval_interval,
      },
      recorder: run,
      nanPolicy: nanPolicy(c.nan_policy, `train ${c.cell}`),
      gradClip: c.grad_clip,
      maxSeconds: c.max_seconds,
      checkpoints: "best",
      title: `${c.cell.toUpperCase()} ${c.num_layers}×${c.hidden_size} on ${corpus.name}`,
    },
    hooks,
  );
  const valLoss = fit.lastEval?.val ?? NaN;
  const tokensPerSec = fit.tokens / fit.stepSeconds;
  run.log({
    iter: fit.iter,
    split: "final",
    epoch: fit.epoch,
    val_loss: valLoss,
    val_ppl: Math.exp(valLoss),
    best_val_loss: fit.bestVal,
    seconds: fit.seconds,
    tokens_per_s: tokensPerSec,
  });
  const prefix = tok.encode(c.prefix || tok.chars[0]);
  const prompt = new Tensor(Int32Array.from(prefix), [1, prefix.length]);
  const sampleOpts = { temperature: c.temperature, generator: new Generator(c.seed + 2) };
  // Sampling reads every drawn character: it runs on the CPU, from the trained weights.
  const sampler = yield* hostModel(model, () => rnnModel(c, tok.vocabSize));
  const sample = tok.decode(sampler.generate(prompt, c.sample_len, sampleOpts).toArray());
  return {
    model,
    tokenizer: tok,
    iters: fit.iter,
    epochs: fit.epoch,
    valLoss,
    valPerplexity: Math.exp(valLoss),
    bestValPerplexity: Math.exp(fit.bestVal),
    sample,
    checkpoint: run.checkpoint,
    seconds: fit.seconds,
    tokensPerSec,
  };
}
