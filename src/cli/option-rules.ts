/**
 * What an option's value must be beyond its type (an integer, a range, one of some words, a folder to
 * write), declared as data beside a command's defaults. `parse` checks them before any work and
 * `--help` shows them, so the two never disagree.
 */
import { accessSync, constants, mkdirSync, statSync } from "node:fs";
import * as path from "node:path";
import type { ConfigValue } from "./config.js";

export interface OptionRule {
  /** A whole number (2.5 is refused, not rounded). */
  int?: boolean;
  /** Inclusive bounds. */
  min?: number;
  max?: number;
  /** Exclusive bounds (a temperature above 0, a dropout below 1). */
  above?: number;
  below?: number;
  /** The words a text option takes. */
  oneOf?: readonly string[];
  /** A folder the command writes into: created if missing and checked writable before the run ("" skips it). */
  writableDir?: boolean;
}

/** Rules for some of a command's options. */
export type OptionRules<D> = { readonly [K in keyof D]?: OptionRule };

/** Rules every training command shares. */
export const TRAIN_RULES = {
  out_dir: { writableDir: true },
  nan_policy: { oneOf: ["stop", "skip", "continue"] },
  max_seconds: { min: 0 },
  seed: { int: true },
} as const satisfies Record<string, OptionRule>;

/** Counts of things: a whole number from 1 up. */
export const COUNT: OptionRule = { int: true, min: 1 };
/** A whole number from 0 up. */
export const NON_NEGATIVE_INT: OptionRule = { int: true, min: 0 };
/** A number from 0 up (a rate, a penalty, a budget). */
export const NON_NEGATIVE: OptionRule = { min: 0 };
/** A probability of dropping: [0, 1). */
export const DROPOUT: OptionRule = { min: 0, below: 1 };
/** A probability: [0, 1]. */
export const PROBABILITY: OptionRule = { min: 0, max: 1 };

/** The range of a rule as text: "≥ 1", "in [0, 1)", "> 0". */
function rangeText(r: OptionRule): string {
  const low = r.min !== undefined ? ["[", r.min] : r.above !== undefined ? ["(", r.above] : null;
  const high = r.max !== undefined ? [r.max, "]"] : r.below !== undefined ? [r.below, ")"] : null;
  if (low && high) return `in ${low[0]}${low[1]}, ${high[0]}${high[1]}`;
  if (low) return `${low[0] === "[" ? "≥" : ">"} ${low[1]}`;
  if (high) return `${high[1] === "]" ? "≤" : "<"} ${high[0]}`;
  return "";
}

/** What `--help` adds to an option's meaning: "[integer ≥ 1]", "[in [0, 1)]", "[writable folder]"; "" for none. */
export function ruleHelp(r: OptionRule): string {
  if (r.writableDir) return "[a writable folder]";
  const range = rangeText(r);
  if (r.int) return `[integer${range ? ` ${range}` : ""}]`;
  return range ? `[${range}]` : "";
}

/** "a", "b" or "c". */
function wordList(words: readonly string[]): string {
  const quoted = words.map((w) => `"${w}"`);
  return quoted.length < 2 ? quoted.join("") : `${quoted.slice(0, -1).join(", ")} or ${quoted.at(-1)}`;
}

/** What is wrong with `value` for `rule`, or undefined. */
export function ruleProblem(key: string, value: ConfigValue, r: OptionRule): string | undefined {
  if (typeof value === "string" && r.oneOf && !r.oneOf.includes(value))
    return `--${key} must be ${wordList(r.oneOf)}, got "${value}"`;
  if (typeof value !== "number") return undefined;
  if (r.int && !Number.isInteger(value)) return `--${key} must be a whole number, got ${value}`;
  const outside =
    (r.min !== undefined && value < r.min) ||
    (r.max !== undefined && value > r.max) ||
    (r.above !== undefined && value <= r.above) ||
    (r.below !== undefined && value >= r.below);
  if (outside) return `--${key} must be ${rangeText(r)}, got ${value}`;
  return undefined;
}

/**
 * Makes sure the folder `dir` can be written before a run starts: creates it (and its parents) and
 * tests a write access; returns what is wrong, or undefined.
 */
export function writableDirProblem(key: string, dir: string): string | undefined {
  const full = path.resolve(dir);
  try {
    mkdirSync(full, { recursive: true });
    if (!statSync(full).isDirectory()) return `--${key}: ${full} is not a folder`;
    accessSync(full, constants.W_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === "ENOTDIR" || code === "EEXIST" ? "a file is in the way" : (e as Error).message;
    return `--${key}: cannot write to ${full} (${why})`;
  }
  return undefined;
}
