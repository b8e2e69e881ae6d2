/** JSON Lines metrics: one JSON object per line, appended as training goes. Node only. */
import { appendFileSync, mkdirSync } from "node:fs";
import * as path from "node:path";
import { Tensor } from "../tensor/tensor.js";
import { readText } from "./files.js";

/** Tensors become numbers (one element) or nested arrays, so `log({ loss })` works on a loss tensor. */
function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Tensor) return value.numel() === 1 ? value.item() : value.tolist();
  return value;
}

/**
 * Appends one JSON line per `log` call to `file`, creating its folder. Each line is written with a single
 * append, so a crash loses at most the line being written.
 * @example
 * const metrics = new gs.io.MetricsLogger("runs/mlp/metrics.jsonl");
 * metrics.log({ step, loss, lr });
 */
export class MetricsLogger {
  readonly path: string;
  private dirReady = false;

  constructor(file: string) {
    if (typeof file !== "string" || file === "") throw new TypeError("MetricsLogger: expects a file path");
    this.path = file;
  }

  log(record: Record<string, unknown>): void {
    if (typeof record !== "object" || record === null || Array.isArray(record))
      throw new TypeError("MetricsLogger.log: expects an object, e.g. { step, loss }");
    const line = JSON.stringify(record, replacer);
    if (!this.dirReady) {
      mkdirSync(path.dirname(path.resolve(this.path)), { recursive: true });
      this.dirReady = true;
    }
    appendFileSync(this.path, line + "\n");
  }
}

/**
 * Reads a JSON Lines file (gzip detected) into an array, skipping blank lines; a bad line is an error
 * naming its number.
 * @example const rows = gs.io.readJsonl<{ step: number; loss: number }>("runs/mlp/metrics.jsonl");
 */
export function readJsonl<T = unknown>(file: string): T[] {
  const out: T[] = [];
  readText(file)
    .split("\n")
    .forEach((line, i) => {
      if (line.trim() === "") return;
      try {
        out.push(JSON.parse(line) as T);
      } catch (e) {
        throw new Error(`readJsonl: ${file}: line ${i + 1} is not valid JSON (${(e as Error).message})`);
      }
    });
  return out;
}
