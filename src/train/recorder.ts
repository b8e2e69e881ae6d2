/**
 * What a training run leaves in its folder, written by one object: metrics as JSON lines, the
 * checkpoints (written atomically), and the loss curve as SVG. A recorder without a folder keeps the
 * curves in memory and writes nothing. Opening a folder removes the temporary files of writers that
 * were killed mid-write; resuming cuts the metrics back to the step the run resumes from.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { removeStaleTemps, saveFileAtomic } from "../io/atomic.js";
import { checkpointFile, saveCheckpoint, type Checkpoint } from "../io/checkpoint.js";
import { MetricsLogger } from "../io/metrics.js";
import { lossCurveSvg } from "./plot.js";
import { firstNonFinite } from "./health.js";

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
    if (this.outDir) {
      mkdirSync(this.outDir, { recursive: true });
      removeStaleTemps(this.outDir);
    }
    this.metrics = this.outDir ? new MetricsLogger(this.metricsFile) : null;
    this.checkpoint = this.outDir ? checkpointFile(this.outDir) : "";
    this.bestCheckpoint = this.outDir ? path.join(this.outDir, "best.safetensors") : "";
  }

  /** metrics.jsonl in outDir ("" without one). */
  get metricsFile(): string {
    return this.outDir ? path.join(this.outDir, "metrics.jsonl") : "";
  }

  /**
   * At the start of a run: a new run (`resumeStep` null) starts a new metrics log; a run that resumes
   * at `resumeStep` drops the lines it will write again (training steps from there on, evaluations
   * after it, or from it on when `evalAgain`) and a line cut short by a kill, so that no step appears twice.
   */
  begin(resumeStep: number | null, evalAgain = false): void {
    const file = this.metricsFile;
    if (!file || !existsSync(file)) return;
    if (resumeStep === null) return saveFileAtomic(file, "");
    const step = resumeStep;
    const kept = readFileSync(file, "utf8")
      .split("\n")
      .filter((line) => {
        let row: { iter?: unknown; split?: unknown };
        try {
          row = JSON.parse(line) as typeof row;
        } catch {
          return false; // blank, or the half-written last line of a killed run
        }
        if (typeof row.iter !== "number") return true;
        return row.split === "eval" && !evalAgain ? row.iter <= step : row.iter < step;
      });
    saveFileAtomic(file, kept.map((l) => l + "\n").join(""));
  }

  /** One training step's line; a finite loss joins the training curve (skipped steps have none). */
  step(record: { iter: number; loss: number } & Record<string, number>): void {
    if (Number.isFinite(record.loss)) this.trainCurve.push([record.iter, record.loss]);
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

  /**
   * Writes a checkpoint atomically (io/checkpoint.ts); returns its file, or "" without a folder. A model
   * with a non-finite weight is an error naming it: no run writes one (the loop checks first, by its policy).
   */
  save(kind: CheckpointKind, checkpoint: Checkpoint): string {
    if (!this.outDir) return "";
    const file = kind === "best" ? this.bestCheckpoint : this.checkpoint;
    const bad = firstNonFinite(checkpoint.model);
    if (bad)
      throw new Error(
        `RunRecorder.save: refusing to write ${file}: the weight "${bad.name}" is ${bad.value}`,
      );
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
