/**
 * What a training run leaves in its folder, written by one object: metrics as JSON lines, the
 * checkpoints (written atomically), and the loss curve as SVG. A recorder without a folder keeps the
 * curves in memory and writes nothing.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { checkpointFile, saveCheckpoint, type Checkpoint } from "../io/checkpoint.js";
import { MetricsLogger } from "../io/metrics.js";
import { lossCurveSvg } from "./plot.js";

export type Curve = [number, number][];

/** Which checkpoint file: the one a run resumes from and loads (`checkpoint.safetensors`), or `best.safetensors`. */
export type CheckpointKind = "checkpoint" | "best";

export class RunRecorder {
  /** The folder of the run, or null to write nothing. */
  readonly outDir: string | null;
  /** checkpoint.safetensors in outDir ("" without one). */
  readonly checkpoint: string;
  /** best.safetensors in outDir ("" without one); only runs that keep their last checkpoint write it. */
  readonly bestCheckpoint: string;
  trainCurve: Curve = [];
  valCurve: Curve = [];
  private readonly metrics: MetricsLogger | null;

  constructor(outDir: string | null) {
    this.outDir = outDir || null;
    if (this.outDir) mkdirSync(this.outDir, { recursive: true });
    this.metrics = this.outDir ? new MetricsLogger(path.join(this.outDir, "metrics.jsonl")) : null;
    this.checkpoint = this.outDir ? checkpointFile(this.outDir) : "";
    this.bestCheckpoint = this.outDir ? path.join(this.outDir, "best.safetensors") : "";
  }

  /** One training step's line; the loss joins the training curve. */
  step(record: { iter: number; loss: number } & Record<string, number>): void {
    this.trainCurve.push([record.iter, record.loss]);
    this.log({ ...pickFirst(record, ["iter", "epoch"]), split: "train", ...record });
  }

  /** One evaluation's line; val_loss joins the validation curve. */
  eval(record: { iter: number; val_loss: number } & Record<string, number>): void {
    this.valCurve.push([record.iter, record.val_loss]);
    this.log({ ...pickFirst(record, ["iter", "epoch"]), split: "eval", ...record });
  }

  /** Any other line (e.g. the final losses of all splits). */
  log(record: Record<string, unknown>): void {
    this.metrics?.log(record);
  }

  /** Writes a checkpoint atomically (io/checkpoint.ts); returns its file, or "" without a folder. */
  save(kind: CheckpointKind, checkpoint: Checkpoint): string {
    if (!this.outDir) return "";
    const file = kind === "best" ? this.bestCheckpoint : this.checkpoint;
    saveCheckpoint(file, checkpoint);
    return file;
  }

  /** Writes loss.svg with the training and validation curves. */
  finish(title: string, trainName = "train"): void {
    if (!this.outDir) return;
    const svg = lossCurveSvg(
      [
        { name: trainName, points: this.trainCurve },
        { name: "val", points: this.valCurve },
      ],
      { title },
    );
    writeFileSync(path.join(this.outDir, "loss.svg"), svg);
  }
}

/** The keys of `record` among `keys`, in that order, so that every line starts with iter (and epoch). */
function pickFirst(record: Record<string, number>, keys: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of keys) if (k in record) out[k] = record[k];
  return out;
}
