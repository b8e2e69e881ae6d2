/** `gradstack train gpt`: nanoGPT's train.py on a text file (tiny Shakespeare by default). */
import { defineCommand, type OptionHelp } from "../command.js";
import {
  COUNT,
  DROPOUT,
  NON_NEGATIVE,
  NON_NEGATIVE_INT,
  TRAIN_RULES,
  type OptionRules,
} from "../option-rules.js";
import type { Progress } from "../progress.js";
import { trainProgress, whereItRuns } from "./train-progress.js";
import { DEVICE_HELP, DEVICE_RULE, openDevice } from "../device-option.js";
import {
  GPT_TRAIN_DEFAULTS,
  trainGPTAsync,
  type GPTTrainConfig,
  type TrainResult,
} from "../../train/gpt-train.js";
import { NAN_POLICY_HELP } from "../../train/health.js";

/** nanoGPT's option names, so its flags and configs carry over. */
export const GPT_OPTION_HELP: OptionHelp<GPTTrainConfig> = {
  out_dir: "folder of the checkpoint, metrics.jsonl and loss.svg",
  data_path: 'a text file to train on ("": the shipped tiny Shakespeare)',
  init_from: '"scratch", or "resume" from the checkpoint in out_dir',
  eval_interval: "estimate train and val loss (and save) every this many iterations",
  log_interval: "log the training loss every this many iterations",
  eval_iters: "batches per loss estimate",
  eval_only: "evaluate once, then stop",
  always_save_checkpoint: "save at every evaluation, not only when val loss improves",
  gradient_accumulation_steps: "micro-batches per optimizer step",
  batch_size: "sequences per micro-batch",
  block_size: "context length in characters",
  n_layer: "transformer blocks",
  n_head: "attention heads per block",
  n_embd: "embedding width",
  dropout: "dropout probability",
  bias: "biases in Linear and LayerNorm layers",
  learning_rate: "peak learning rate (AdamW)",
  max_iters: "training iterations",
  weight_decay: "AdamW weight decay (of the weights with 2 or more dimensions)",
  beta1: "AdamW beta1",
  beta2: "AdamW beta2",
  grad_clip: "clip the gradient norm at this value (0: no clipping)",
  decay_lr: "linear warmup, then cosine decay of the learning rate to min_lr",
  warmup_iters: "iterations of learning-rate warmup",
  lr_decay_iters: "iteration at which the cosine decay reaches min_lr",
  min_lr: "learning rate at the end of the decay",
  seed: "random seed (initialization, batches, dropout)",
  max_seconds: "stop after this many seconds of training, with a final evaluation (0: no limit)",
  nan_policy: NAN_POLICY_HELP,
  device: DEVICE_HELP,
};

/** The longest context `train gpt` accepts: attention holds block_size² numbers per head and sequence. */
export const GPT_MAX_BLOCK_SIZE = 2048;

export const GPT_OPTION_RULES: OptionRules<GPTTrainConfig> = {
  ...TRAIN_RULES,
  init_from: { oneOf: ["scratch", "resume"] },
  eval_interval: COUNT,
  log_interval: COUNT,
  eval_iters: COUNT,
  gradient_accumulation_steps: COUNT,
  batch_size: COUNT,
  block_size: { int: true, min: 1, max: GPT_MAX_BLOCK_SIZE },
  n_layer: COUNT,
  n_head: COUNT,
  n_embd: { int: true, min: 1, max: 8192 },
  dropout: DROPOUT,
  learning_rate: NON_NEGATIVE,
  max_iters: COUNT,
  weight_decay: NON_NEGATIVE,
  beta1: { min: 0, below: 1 },
  beta2: { min: 0, below: 1 },
  grad_clip: NON_NEGATIVE,
  warmup_iters: NON_NEGATIVE_INT,
  lr_decay_iters: NON_NEGATIVE_INT,
  min_lr: NON_NEGATIVE,
  device: DEVICE_RULE,
};

/** Trains a GPT with `config` on its device, showing progress; the demo runs it too. */
export async function trainWithProgress(config: GPTTrainConfig, progress: Progress): Promise<TrainResult> {
  await openDevice(config.device);
  const result = await trainGPTAsync(
    config,
    trainProgress(progress, {
      bar: "run",
      startLine: ({ params, device }) =>
        `number of parameters: ${(params / 1e6).toFixed(2)}M · ${whereItRuns(device)}`,
      fields: ({ iter, loss, lr, tokensPerSec }) => ({
        iter,
        loss,
        lr: lr.toExponential(2),
        "tok/s": Math.round(tokensPerSec),
      }),
      evalLine: ({ iter, train, val, saved }) =>
        `step ${iter}: train loss ${train.toFixed(4)}, val loss ${val.toFixed(4)}${saved ? " (saved checkpoint)" : ""}`,
    }),
  );
  progress.log(
    `best val loss ${result.bestValLoss.toFixed(4)} · checkpoint ${result.checkpoint} · curve ${config.out_dir}/loss.svg`,
  );
  return result;
}

export const command = defineCommand({
  name: "train gpt",
  summary: "a character-level GPT (nanoGPT's train.py)",
  defaults: GPT_TRAIN_DEFAULTS,
  help: GPT_OPTION_HELP,
  rules: GPT_OPTION_RULES,
  printConfig: true,
  async run(config, { progress }) {
    await trainWithProgress(config, progress);
  },
});
