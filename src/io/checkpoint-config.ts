/**
 * Checking a checkpoint's stored config against the tensors in the file BEFORE a model is built from it,
 * so that a config saying `n_embd: 32768` next to 128-wide weights is an error naming the file, not a
 * 4 GiB model. A model kind describes what its config implies (checkpoint-specs.ts in train/); this file
 * checks it: ranges first (no NaN, no fractions, no absurd sizes), then every implied tensor's shape.
 * Once they agree, the model's size is that of the weights the file legitimately holds.
 */
import { fmtShape } from "../tensor/shape.js";
import type { DType } from "../tensor/dtype.js";
import type { Tensor } from "../tensor/tensor.js";

/** A number of the config and the range it must lie in. */
export interface ConfigRange {
  /** The config key, as stored (`n_embd`). */
  key: string;
  value: unknown;
  min: number;
  max: number;
  /** Must be an integer (default true). */
  integer?: boolean;
  /** Must divide this other value of the config (n_head divides n_embd). */
  divides?: { key: string; value: number };
}

/** A tensor the config implies, with its shape. */
export interface ImpliedTensor {
  name: string;
  shape: number[];
  /** Which config values give the shape, for the error: "[vocab size, n_embd]". */
  from: string;
}

/** Numbered tensors such as one per layer: `name` with `{i}` exists exactly for i = 0 .. count-1. */
export interface RepeatedTensor {
  /** The config key of the count (`n_layer`). */
  key: string;
  count: number;
  name: string;
  shape: number[];
  from: string;
}

/** What a model kind's config implies about the tensors of its checkpoint. */
export interface CheckpointExpectations {
  /** The model kind, named in errors ("GPT"). */
  kind: string;
  ranges: ConfigRange[];
  tensors: ImpliedTensor[];
  repeated?: RepeatedTensor[];
  /** Tensors the config says cannot be there (e.g. biases of a model without bias), with why. */
  absent?: { name: string; because: string }[];
  /** The dtypes every tensor may have (default float32 and float64). */
  dtypes?: DType[];
}

/** The largest size any config value may give: 2^31 - 1, the most a typed array is indexed by here. */
export const MAX_CONFIG_SIZE = 2 ** 31 - 1;

/**
 * Throws an error naming `file` and the first disagreement when `config` cannot describe `tensors`
 * (a checkpoint's `model` record) as `expect` says; call it before building the model.
 * @example
 * validateCheckpointConfig(file, ckpt.model, gptCheckpointExpectations(config, vocabSize));
 * const model = new GPT(...); // only now
 */
export function validateCheckpointConfig(
  file: string,
  tensors: Record<string, Tensor>,
  expect: CheckpointExpectations,
): void {
  const fail = (p: string) => new Error(`${file}: ${p}`);
  for (const r of expect.ranges) checkRange(r, fail);
  const present = (name: string) => Object.hasOwn(tensors, name);
  const first = expect.tensors[0];
  if (first !== undefined && !present(first.name)) {
    const some = Object.keys(tensors)
      .slice(0, 4)
      .map((k) => JSON.stringify(k));
    throw fail(
      `not a ${expect.kind} checkpoint: it has no tensor "${first.name}" (it holds ${some.join(", ") || "no model tensors"}${Object.keys(tensors).length > 4 ? ", ..." : ""})`,
    );
  }
  const checkShape = (name: string, shape: number[], from: string, intro: string) => {
    const t = present(name) ? tensors[name] : undefined;
    if (t === undefined)
      throw fail(
        `${intro} a tensor "${name}" of shape ${fmtShape(shape)} (${from}), which the file does not hold`,
      );
    if (t.shape.length !== shape.length || t.shape.some((s, i) => s !== shape[i]))
      throw fail(
        `${intro} "${name}" of shape ${fmtShape(shape)} (${from}); the file holds ${fmtShape(t.shape)}`,
      );
  };
  for (const t of expect.tensors) checkShape(t.name, t.shape, t.from, "the stored config implies");
  for (const r of expect.repeated ?? []) checkRepeated(r, tensors, checkShape, fail);
  for (const a of expect.absent ?? [])
    if (present(a.name))
      throw fail(`tensor "${a.name}" cannot be in this ${expect.kind} checkpoint: ${a.because}`);
  const dtypes = expect.dtypes ?? ["float32", "float64"];
  for (const [name, t] of Object.entries(tensors))
    if (!dtypes.includes(t.dtype))
      throw fail(
        `tensor "${name}" is ${t.dtype}; a ${expect.kind} checkpoint holds ${dtypes.join(" or ")} tensors`,
      );
}

function checkRange(r: ConfigRange, fail: (p: string) => Error): void {
  const integer = r.integer ?? true;
  const v = r.value;
  const ok =
    typeof v === "number" &&
    Number.isFinite(v) &&
    (!integer || Number.isInteger(v)) &&
    v >= r.min &&
    v <= r.max;
  if (!ok)
    throw fail(
      `the stored config has ${r.key} = ${showValue(v)}; expected ${integer ? "an integer" : "a number"} in [${r.min}, ${r.max}]`,
    );
  if (r.divides !== undefined && r.divides.value % (v as number) !== 0)
    throw fail(
      `the stored config has ${r.key} = ${showValue(v)}, which does not divide ${r.divides.key} = ${r.divides.value}`,
    );
}

/**
 * Runs `build` (rebuilding a tokenizer or a model from a checkpoint's contents) so that any error it
 * throws names `file`: what a user sees must say which file is wrong.
 */
export function namingFile<T>(file: string, build: () => T): T {
  try {
    return build();
  } catch (e) {
    const message = (e as Error).message ?? String(e);
    if (message.includes(file)) throw e;
    throw new Error(`${file}: ${message}`, { cause: e });
  }
}

function checkRepeated(
  r: RepeatedTensor,
  tensors: Record<string, Tensor>,
  checkShape: (name: string, shape: number[], from: string, why: string) => void,
  fail: (p: string) => Error,
): void {
  const [head, tail] = r.name.split("{i}");
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const pattern = new RegExp(`^${escape(head)}(\\d+)${escape(tail)}$`);
  for (const name of Object.keys(tensors)) {
    const m = pattern.exec(name);
    if (m !== null && Number(m[1]) >= r.count)
      throw fail(
        `tensor "${name}" is beyond the ${r.count} the stored config's ${r.key} = ${r.count} allows`,
      );
  }
  for (let i = 0; i < r.count; i++)
    checkShape(`${head}${i}${tail}`, r.shape, r.from, `the stored config's ${r.key} = ${r.count} implies`);
}

/**
 * A checkpoint's stored config over `defaults`: it must be an object, and each key it shares with the
 * defaults must hold a value of the default's type (a NaN count, `"bias": "yes"`: errors naming `file`).
 * Keys the defaults lack are kept (checkpoints of other versions).
 */
export function storedConfig<C extends Record<string, unknown>>(
  file: string,
  stored: unknown,
  defaults: C,
): C {
  if (typeof stored !== "object" || stored === null || Array.isArray(stored))
    throw new Error(
      `${file}: the checkpoint holds no stored config object (found ${stored === null ? "null" : typeof stored})`,
    );
  for (const [key, value] of Object.entries(stored)) {
    if (!Object.hasOwn(defaults, key)) continue;
    const want = typeof defaults[key];
    if (typeof value !== want || (want === "number" && !Number.isFinite(value)))
      throw new Error(
        `${file}: the stored config has ${key} = ${showValue(value)}; expected a ${want === "number" ? "finite number" : want}`,
      );
  }
  return { ...defaults, ...(stored as Partial<C>) };
}

/** A stored value for an error message: numbers as JavaScript writes them (NaN, not JSON's null). */
export function showValue(v: unknown): string {
  return typeof v === "number" ? String(v) : (JSON.stringify(v) ?? String(v));
}
