/**
 * What every language-model training program shares: hooks for progress, the optimizer by name, metrics
 * as JSON lines, the loss curve as SVG, and checkpoints that hold the model, the run's config and the
 * tokenizer's alphabet.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import type { Tensor } from "../tensor/tensor.js";
import { getRngState } from "../tensor/random.js";
import type { Module } from "../nn/module.js";
import { SGD } from "../optim/sgd.js";
import { Adam, AdamW } from "../optim/adam.js";
import type { Optimizer } from "../optim/optimizer.js";
import { checkpointFile, saveCheckpoint } from "../io/checkpoint.js";
import { MetricsLogger } from "../io/metrics.js";
import type { CharTokenizer } from "../text/tokenizers/char-tokenizer.js";
import { lossCurveSvg } from "./plot.js";

export interface LMStepInfo {
  iter: number;
  loss: number;
  lr: number;
  ms: number;
  tokensPerSec: number;
}

export interface LMEvalInfo {
  iter: number;
  /** Mean loss per token on the training data (or its recent running mean). */
  train: number;
  /** Mean loss per token on the validation (dev) data. */
  val: number;
  saved: boolean;
}

export interface LMHooks {
  onStart?(info: { params: number; totalIters: number; description: string }): void;
  onStep?(info: LMStepInfo): void;
  onEval?(info: LMEvalInfo): void;
}

/** The optimizers the programs offer: "sgd" (plain), "adam", "adamw". */
export function makeOptimizer(name: string, params: Tensor[], lr: number, weightDecay: number): Optimizer {
  if (name === "sgd") return new SGD(params, { lr, weightDecay }) as unknown as Optimizer;
  if (name === "adam") return new Adam(params, { lr, weightDecay }) as unknown as Optimizer;
  if (name === "adamw") return new AdamW(params, { lr, weightDecay }) as unknown as Optimizer;
  throw new RangeError(`optimizer must be "sgd", "adam" or "adamw", got "${name}"`);
}

/** Metrics file, loss curves and checkpoints of one run in `outDir`. */
export class RunRecorder {
  readonly outDir: string;
  readonly checkpoint: string;
  private readonly metrics: MetricsLogger;
  private readonly trainCurve: [number, number][] = [];
  private readonly valCurve: [number, number][] = [];

  constructor(outDir: string) {
    this.outDir = outDir;
    mkdirSync(outDir, { recursive: true });
    this.metrics = new MetricsLogger(path.join(outDir, "metrics.jsonl"));
    this.checkpoint = checkpointFile(outDir);
  }

  step(iter: number, loss: number, lr: number, ms: number): void {
    this.trainCurve.push([iter, loss]);
    this.metrics.log({ iter, split: "train", loss, lr, ms });
  }

  eval(iter: number, record: Record<string, number>): void {
    this.valCurve.push([iter, record.val_loss]);
    this.metrics.log({ iter, split: "eval", ...record });
  }

  log(record: Record<string, unknown>): void {
    this.metrics.log(record);
  }

  save(
    model: Module,
    config: object,
    step: number,
    tokenizer: CharTokenizer,
    extra: Record<string, unknown> = {},
  ): void {
    saveCheckpoint(this.checkpoint, {
      model: model.stateDict(),
      config,
      step,
      rng: getRngState(),
      extra: { tokenizer: tokenizer.toJSON(), ...extra },
    });
  }

  /** Writes loss.svg with the training and validation curves. */
  finish(title: string): void {
    writeFileSync(
      path.join(this.outDir, "loss.svg"),
      lossCurveSvg(
        [
          { name: "train", points: this.trainCurve },
          { name: "val", points: this.valCurve },
        ],
        { title },
      ),
    );
  }
}
