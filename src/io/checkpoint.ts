/**
 * Checkpoints: one safetensors file, written atomically. Model tensors are stored as `model.<key>`;
 * tensors found anywhere inside the optimizer state (or `extra`) as `optimizer.<path>` (`extra.<path>`),
 * replaced in the structure by `{ "__tensor__": "<name>" }`. The structure, config, step and RNG state
 * are JSON strings in `__metadata__`.
 */
import { statSync } from "node:fs";
import * as path from "node:path";
import { Tensor } from "../tensor/tensor.js";
import type { GeneratorState } from "../tensor/random.js";
import { readSafetensors, saveSafetensors } from "./safetensors-file.js";
import { showValue } from "./checkpoint-config.js";
import { checkKnownKeys } from "../util/options.js";

export interface Checkpoint {
  /** A model's stateDict. */
  model: Record<string, Tensor>;
  /** An optimizer's stateDict: plain objects, arrays and Maps with Tensors inside. */
  optimizer?: unknown;
  /** The run's configuration (JSON-able). */
  config?: unknown;
  step?: number;
  /** The RNG state, e.g. `gs.getRngState()`. */
  rng?: GeneratorState;
  /** Anything else worth keeping; may hold Tensors like the optimizer state. */
  extra?: unknown;
}

const FORMAT = "gradstack-checkpoint";
const FIELDS = ["optimizer", "config", "step", "rng", "extra"] as const;
const MARKERS = ["__tensor__", "__map__", "__number__"];

/** The file a checkpoint path names: a folder (existing, or without .safetensors) holds checkpoint.safetensors. */
export function checkpointFile(p: string): string {
  let isDir: boolean;
  try {
    isDir = statSync(p).isDirectory();
  } catch {
    isDir = !p.endsWith(".safetensors");
  }
  return isDir ? path.join(p, "checkpoint.safetensors") : p;
}

/** Sets an own property even for keys such as "__proto__". */
function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

function isPlainObject(x: object): boolean {
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/** Replaces Tensors by references (collected in `tensors`) and non-finite numbers and Maps by markers. */
class Packer {
  readonly tensors = new Map<string, Tensor>();
  private readonly names = new Map<Tensor, string>();

  pack(value: unknown, where: string): unknown {
    if (value instanceof Tensor) return { __tensor__: this.nameFor(value, where) };
    if (value === null || typeof value === "string" || typeof value === "boolean") return value;
    if (typeof value === "number") return Number.isFinite(value) ? value : { __number__: String(value) };
    if (Array.isArray(value)) return value.map((v, i) => this.pack(v ?? null, `${where}.${i}`));
    if (value instanceof Map)
      return {
        __map__: [...value.entries()].map(([k, v], i) => [
          this.pack(k, `${where}.${i}k`),
          this.pack(v, `${where}.${String(k)}`),
        ]),
      };
    if (typeof value === "object" && isPlainObject(value)) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        if (MARKERS.includes(k))
          throw new TypeError(`saveCheckpoint: key "${k}" at ${where} is reserved by the checkpoint format`);
        if (v !== undefined) setOwn(out, k, this.pack(v, `${where}.${k}`));
      }
      return out;
    }
    const kind = typeof value === "object" ? (value.constructor?.name ?? "object") : typeof value;
    throw new TypeError(
      `saveCheckpoint: cannot store a ${kind} at ${where}; use plain objects, arrays, Maps, numbers, strings and Tensors`,
    );
  }

  private nameFor(t: Tensor, where: string): string {
    const known = this.names.get(t);
    if (known !== undefined) return known;
    let name = where;
    for (let k = 2; this.tensors.has(name); k++) name = `${where}~${k}`;
    this.tensors.set(name, t);
    this.names.set(t, name);
    return name;
  }
}

/** Deeper metadata than this is not what saveCheckpoint writes; the limit keeps unpack off the stack's end. */
const MAX_DEPTH = 512;
/** The strings saveCheckpoint writes for the numbers JSON cannot hold. */
const NON_FINITE: Record<string, number> = { NaN: NaN, Infinity: Infinity, "-Infinity": -Infinity };

function unpack(
  value: unknown,
  tensors: Record<string, Tensor>,
  fail: (p: string) => Error,
  where: string,
  depth = 0,
): unknown {
  if (depth > MAX_DEPTH) throw fail(`metadata ${where} is nested more than ${MAX_DEPTH} levels deep`);
  const inner = (v: unknown, at: string) => unpack(v, tensors, fail, at, depth + 1);
  if (Array.isArray(value)) return value.map((v, i) => inner(v, `${where}.${i}`));
  if (typeof value !== "object" || value === null) return value;
  const obj = value as Record<string, unknown>;
  if (typeof obj.__tensor__ === "string") {
    if (!Object.hasOwn(tensors, obj.__tensor__))
      throw fail(`metadata ${where} refers to tensor "${obj.__tensor__}", which is not in the file`);
    return tensors[obj.__tensor__];
  }
  if (typeof obj.__number__ === "string") {
    if (!Object.hasOwn(NON_FINITE, obj.__number__))
      throw fail(
        `metadata ${where} holds the number "${obj.__number__}"; expected NaN, Infinity or -Infinity`,
      );
    return NON_FINITE[obj.__number__];
  }
  if (Array.isArray(obj.__map__))
    return new Map(
      obj.__map__.map((pair: unknown, i: number) => {
        if (!Array.isArray(pair) || pair.length !== 2)
          throw fail(`metadata ${where}: Map entry ${i} is not a [key, value] pair`);
        return [inner(pair[0], `${where}.${i}k`), inner(pair[1], `${where}.${i}`)];
      }),
    );
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) setOwn(out, k, inner(v, `${where}.${k}`));
  return out;
}

/** The step and RNG state a resumed run relies on: a non-negative integer and four uint32 words. */
function checkProgress(ckpt: Checkpoint, fail: (p: string) => Error): void {
  const { step, rng } = ckpt;
  if (step !== undefined && !(Number.isSafeInteger(step) && step >= 0))
    throw fail(`metadata "step" is ${showValue(step)}; expected a non-negative integer`);
  if (rng === undefined) return;
  const word = (w: unknown) => Number.isInteger(w) && (w as number) >= 0 && (w as number) <= 0xffffffff;
  const ok =
    typeof rng === "object" &&
    rng !== null &&
    Array.isArray(rng.s) &&
    rng.s.length === 4 &&
    rng.s.every(word) &&
    (rng.spare === null || (typeof rng.spare === "number" && Number.isFinite(rng.spare)));
  if (!ok) throw fail(`metadata "rng" is not a generator state ({ s: [4 uint32], spare: number | null })`);
}

/**
 * Saves model weights, optimizer state, config, step and RNG state in one safetensors file, atomically.
 * `file` is a `.safetensors` path or a folder (then `<folder>/checkpoint.safetensors`). Returns the path written.
 * @example
 * gs.io.saveCheckpoint("runs/gpt/ckpt.safetensors", {
 *   model: model.stateDict(), optimizer: opt.stateDict(), config, step, rng: gs.getRngState(),
 * });
 */
export function saveCheckpoint(
  file: string,
  ckpt: Omit<Checkpoint, "model"> & { model: Record<string, Tensor> | ReadonlyMap<string, Tensor> },
): string {
  if (!ckpt || typeof ckpt !== "object" || !ckpt.model)
    throw new TypeError(
      "saveCheckpoint: expects { model: stateDict, optimizer?, config?, step?, rng?, extra? }",
    );
  // A misspelt field (`iter`, `optimizer_state`) would otherwise be dropped from the file unnoticed.
  checkKnownKeys("saveCheckpoint", ckpt, ["model", ...FIELDS]);
  const target = checkpointFile(file);
  const tensors = new Map<string, Tensor>();
  const entries = ckpt.model instanceof Map ? [...ckpt.model.entries()] : Object.entries(ckpt.model);
  for (const [key, t] of entries) {
    if (!(t instanceof Tensor)) throw new TypeError(`saveCheckpoint: model entry "${key}" is not a Tensor`);
    tensors.set(`model.${key}`, t);
  }
  if (ckpt.step !== undefined && !Number.isFinite(ckpt.step))
    throw new TypeError(`saveCheckpoint: step must be a finite number, got ${ckpt.step}`);
  const metadata: Record<string, string> = { format: FORMAT, version: "1" };
  const packer = new Packer();
  for (const field of FIELDS)
    if (ckpt[field] !== undefined) metadata[field] = JSON.stringify(packer.pack(ckpt[field], field));
  for (const [name, t] of packer.tensors) tensors.set(name, t);
  saveSafetensors(target, tensors, metadata);
  return target;
}

/**
 * Loads a checkpoint written by saveCheckpoint: `{ model, optimizer?, config?, step?, rng?, extra? }` with
 * the Tensors back in place. A corrupt or truncated file gives an error naming the file and the problem.
 * @example
 * const ckpt = gs.io.loadCheckpoint("runs/gpt/ckpt.safetensors");
 * model.loadStateDict(ckpt.model); opt.loadStateDict(ckpt.optimizer); gs.setRngState(ckpt.rng!);
 */
export function loadCheckpoint(file: string): Checkpoint {
  const target = checkpointFile(file);
  const fail = (p: string) => new Error(`loadCheckpoint: ${target}: ${p}`);
  const { tensors, metadata } = readSafetensors(target, "loadCheckpoint");
  if (metadata === null || metadata.format !== FORMAT)
    throw fail(
      "not a gradstack checkpoint (no checkpoint metadata); use gs.io.loadSafetensors for plain tensors",
    );
  const out: Checkpoint = { model: {} };
  for (const [name, t] of Object.entries(tensors))
    if (name.startsWith("model.")) setOwn(out.model, name.slice("model.".length), t);
  for (const field of FIELDS) {
    if (metadata[field] === undefined) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(metadata[field]);
    } catch (e) {
      throw fail(`metadata field "${field}" is not valid JSON (${(e as Error).message})`);
    }
    (out as unknown as Record<string, unknown>)[field] = unpack(parsed, tensors, fail, `"${field}"`);
  }
  checkProgress(out, fail);
  return out;
}
