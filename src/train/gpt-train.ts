/**
 * Training a character-level GPT the way nanoGPT's train.py does: random windows of a token array,
 * gradient accumulation, AdamW with decay on ≥2-d weights, cosine LR with warmup, gradient clipping,
 * periodic train/val estimates, best-checkpoint saving and bit-identical resuming.
 */
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { GPT, type GPTConfig } from "../models/gpt.js";
import { CharTokenizer } from "../text/tokenizers/char-tokenizer.js";
import { Generator, manualSeed } from "../tensor/random.js";
import { noGrad } from "../autograd/grad-mode.js";
import { Tensor } from "../tensor/tensor.js";
import { cosineWithWarmupLr } from "../optim/lr-scheduler.js";
import { checkpointFile, loadCheckpoint, type Checkpoint } from "../io/checkpoint.js";
import { datasetDir } from "../io/files.js";
import { namingFile, storedConfig, validateCheckpointConfig } from "../io/checkpoint-config.js";
import { gptCheckpointExpectations } from "./checkpoint-specs.js";
import { randomWindows, splitTrainVal } from "../data/token-windows.js";
import { trainSteps, type EvalInfo, type TrainHooks } from "./loop.js";
import { readNumbers, runAsync, runSync, type Reads } from "./reads.js";
import { RunRecorder } from "./recorder.js";
import { expectCheckpointKind } from "./checkpoint-kind.js";
import { assertFiniteWeights, nanPolicy } from "./health.js";

/** nanoGPT's train.py options (snake_case, so its flags carry over), with the shakespeare_char CPU values. */
export const GPT_TRAIN_DEFAULTS = {
  out_dir: "out-shakespeare-char",
  /** A text file to train on; empty means the shipped tiny Shakespeare. */
  data_path: "",
  init_from: "scratch", // or "resume"
  eval_interval: 250,
  log_interval: 10,
  eval_iters: 20,
  eval_only: false,
  always_save_checkpoint: false,
  gradient_accumulation_steps: 1,
  batch_size: 12,
  block_size: 64,
  n_layer: 4,
  n_head: 4,
  n_embd: 128,
  dropout: 0.0,
  bias: false,
  learning_rate: 1e-3,
  max_iters: 2000,
  weight_decay: 1e-1,
  beta1: 0.9,
  beta2: 0.99,
  grad_clip: 1.0,
  decay_lr: true,
  warmup_iters: 100,
  lr_decay_iters: 2000,
  min_lr: 1e-4,
  seed: 1337,
  /** Stop after this many seconds of training (0: no limit); the run ends with a final evaluation. */
  max_seconds: 0,
  /** On a non-finite loss or gradient: "stop" the run, "skip" the step, or "continue" (train/health.ts). */
  nan_policy: "stop",
  /** Where the model trains: "cpu" (the backend GRADSTACK_BACKEND chose) or "webgpu" (nanoGPT's --device). */
  device: "cpu",
};

export type GPTTrainConfig = typeof GPT_TRAIN_DEFAULTS;

export interface TrainResult {
  model: GPT;
  tokenizer: CharTokenizer;
  iters: number;
  bestValLoss: number;
  lastEval: EvalInfo | null;
  checkpoint: string;
}

/** The model a run's options describe. */
export function modelConfig(c: GPTTrainConfig, vocabSize: number): GPTConfig {
  return {
    blockSize: c.block_size,
    vocabSize,
    nLayer: c.n_layer,
    nHead: c.n_head,
    nEmbd: c.n_embd,
    dropout: c.dropout,
    bias: c.bias,
  };
}

/** The training text of a run: its data_path, or the shipped tiny Shakespeare. */
export function readCorpus(c: GPTTrainConfig): string {
  const file = c.data_path || path.join(datasetDir("tinyshakespeare"), "input.txt");
  if (!existsSync(file)) throw new Error(`train gpt: no training text at ${file}`);
  const text = readFileSync(file, "utf8");
  if (text.length < 2 * c.block_size + 2)
    throw new Error(
      `train gpt: ${file} has ${text.length} characters, too few for block_size ${c.block_size}`,
    );
  return text;
}

/** Mean loss over eval_iters random batches of each split, in eval mode, with a generator of its own. */
function* estimateLoss(
  model: GPT,
  data: { train: Int32Array; val: Int32Array },
  c: GPTTrainConfig,
  iter: number,
): Reads<{ train: number; val: number }> {
  model.eval();
  // Evaluation draws from its own stream, so evaluating never changes the training batches that follow.
  const gen = new Generator(c.seed * 7919 + iter);
  const losses = noGrad(() =>
    (["train", "val"] as const).map((split) =>
      Array.from({ length: c.eval_iters }, () => {
        const { x, y } = randomWindows(data[split], c.batch_size, c.block_size, gen);
        return model.forward(x.to(c.device), y.to(c.device)).loss!;
      }),
    ),
  );
  model.train();
  // Read in one go (one readback on a device), summed in the order drawn.
  const values = yield* readNumbers(losses.flat());
  const mean = (part: number[]) => part.reduce((a, b) => a + b, 0) / c.eval_iters;
  return { train: mean(values.slice(0, c.eval_iters)), val: mean(values.slice(c.eval_iters)) };
}

/**
 * The exact mean loss per token of a whole split, without sampling noise: consecutive windows
 * x = data[i·T : (i+1)·T], y = data[i·T+1 : (i+1)·T+1] that cover it once (a partial last window is
 * left out). nanoGPT's estimate (eval_iters random batches) moves by ±0.015 on tiny Shakespeare; this is
 * the figure to compare two runs by.
 */
export function splitLoss(
  model: GPT,
  data: Int32Array,
  blockSize: number,
  batchSize = 64,
): { loss: number; tokens: number; windows: number } {
  const windows = Math.floor((data.length - 1) / blockSize);
  if (windows < 1)
    throw new RangeError(`splitLoss: ${data.length} tokens are too few for one window of ${blockSize}`);
  const wasTraining = model.training;
  model.eval();
  let total = 0;
  noGrad(() => {
    for (let w = 0; w < windows; w += batchSize) {
      const B = Math.min(batchSize, windows - w);
      const start = w * blockSize;
      const x = data.slice(start, start + B * blockSize);
      const y = data.slice(start + 1, start + B * blockSize + 1);
      const { loss } = model.forward(new Tensor(x, [B, blockSize]), new Tensor(y, [B, blockSize]));
      total += loss!.item() * B * blockSize;
    }
  });
  model.train(wasTraining);
  return { loss: total / (windows * blockSize), tokens: windows * blockSize, windows };
}

/** Trains (or resumes) a character-level GPT on the CPU; returns the model and where its best checkpoint is. */
export function trainGPT(config: Partial<GPTTrainConfig> = {}, hooks: TrainHooks = {}): TrainResult {
  return runSync(gptTraining(config, hooks));
}

/** trainGPT on any device (`device: "webgpu"` after `await gs.webgpu.init()`). */
export function trainGPTAsync(
  config: Partial<GPTTrainConfig> = {},
  hooks: TrainHooks = {},
): Promise<TrainResult> {
  return runAsync(gptTraining(config, hooks));
}

function* gptTraining(config: Partial<GPTTrainConfig>, hooks: TrainHooks): Reads<TrainResult> {
  let c: GPTTrainConfig = { ...GPT_TRAIN_DEFAULTS, ...config };
  const recorder = new RunRecorder(c.out_dir);
  let resume: Checkpoint | null = null;
  if (c.init_from === "resume") {
    if (!existsSync(recorder.checkpoint))
      throw new Error(`train gpt: --init_from=resume but there is no checkpoint at ${recorder.checkpoint}`);
    try {
      resume = loadCheckpoint(recorder.checkpoint);
    } catch (e) {
      throw new Error(`train gpt: cannot resume from ${recorder.checkpoint}: ${(e as Error).message}`);
    }
    // The model's shape comes from the checkpoint; the schedule and stopping point may be overridden.
    const saved = resume.config as GPTTrainConfig;
    c = { ...c, ...pick(saved, ["n_layer", "n_head", "n_embd", "block_size", "bias", "data_path", "seed"]) };
  } else if (c.init_from !== "scratch") {
    throw new Error(`train gpt: init_from must be "scratch" or "resume", got "${c.init_from}"`);
  }
  if (c.gradient_accumulation_steps < 1 || !Number.isInteger(c.gradient_accumulation_steps))
    throw new RangeError(
      `train gpt: gradient_accumulation_steps must be a positive integer, got ${c.gradient_accumulation_steps}`,
    );

  const text = readCorpus(c);
  const tokenizer = resume
    ? CharTokenizer.fromJSON((resume.extra as { tokenizer: unknown }).tokenizer)
    : CharTokenizer.fromText(text);
  const data = splitTrainVal(tokenizer.encode(text));

  manualSeed(c.seed);
  const model = new GPT(modelConfig(c, tokenizer.vocabSize)).to(c.device);
  const optimizer = model.configureOptimizers({
    weightDecay: c.weight_decay,
    lr: c.learning_rate,
    betas: [c.beta1, c.beta2],
  });
  const run = yield* trainSteps(
    {
      name: "train gpt",
      description: `GPT ${c.n_layer}×${c.n_embd}`,
      model,
      optimizer,
      config: c,
      params: model.getNumParams(),
      totalIters: c.max_iters,
      nextBatch: () => randomWindows(data.train, c.batch_size, c.block_size),
      loss: ({ x, y }) => ({ loss: model.forward(x.to(c.device), y.to(c.device)).loss!, tokens: x.numel() }),
      evaluate: (iter) => estimateLoss(model, data, c, iter),
      lr: (iter) =>
        c.decay_lr
          ? cosineWithWarmupLr(iter, {
              lr: c.learning_rate,
              warmupIters: c.warmup_iters,
              lrDecayIters: c.lr_decay_iters,
              minLr: c.min_lr,
            })
          : c.learning_rate,
      checkpointExtra: () => ({ tokenizer: tokenizer.toJSON() }),
    },
    {
      schedule: {
        kind: "iterations",
        maxIters: c.eval_only ? (resume?.step ?? 0) : c.max_iters,
        evalInterval: c.eval_interval,
        evalAtStart: true,
      },
      recorder,
      nanPolicy: nanPolicy(c.nan_policy, "train gpt"),
      gradClip: c.grad_clip,
      accumulate: c.gradient_accumulation_steps,
      logInterval: c.log_interval,
      maxSeconds: c.max_seconds,
      checkpoints: "best",
      alwaysSave: c.always_save_checkpoint,
      resumeFrom: resume,
      title: `GPT ${c.n_layer}×${c.n_embd} on ${c.data_path ? path.basename(c.data_path) : "tiny Shakespeare"}`,
    },
    hooks,
  );
  return {
    model,
    tokenizer,
    iters: run.iter,
    bestValLoss: run.bestVal,
    lastEval: run.lastEval,
    checkpoint: recorder.checkpoint,
  };
}

function pick<T extends object, K extends keyof T>(obj: T, keys: K[]): Pick<T, K> {
  const out = {} as Pick<T, K>;
  for (const k of keys) if (k in obj) out[k] = obj[k];
  return out;
}

/** Loads a trained GPT and its tokenizer from a checkpoint written by trainGPT. */
export function loadGPTCheckpoint(ckpt: string): {
  model: GPT;
  tokenizer: CharTokenizer;
  config: GPTTrainConfig;
} {
  const file = checkpointFile(ckpt);
  if (!existsSync(file)) throw new Error(`no checkpoint at ${file}`);
  const saved = loadCheckpoint(file);
  expectCheckpointKind(saved, "train gpt", file, "GPT checkpoint");
  assertFiniteWeights(saved.model, file, "GPT checkpoint");
  const config = storedConfig(file, saved.config, GPT_TRAIN_DEFAULTS);
  const extra = saved.extra as { tokenizer?: unknown } | undefined;
  if (!extra?.tokenizer)
    throw new Error(`${file} is not a GPT checkpoint from gradstack (no tokenizer inside)`);
  const tokenizer = namingFile(file, () => CharTokenizer.fromJSON(extra.tokenizer));
  validateCheckpointConfig(file, saved.model, gptCheckpointExpectations(config, tokenizer.vocabSize));
  const model = new GPT(modelConfig(config, tokenizer.vocabSize));
  namingFile(file, () => model.loadStateDict(saved.model));
  model.eval();
  return { model, tokenizer, config };
}
