/**
 * Which training command wrote a checkpoint, so that a command given another model's checkpoint can
 * name the model it found and the command that fits, instead of listing missing keys.
 */
import type { Checkpoint } from "../io/checkpoint.js";

export interface CheckpointKind {
  /** The training command that wrote it ("train gpt", "train gru", ...), or "" when unknown. */
  trainer: string;
  /** The model in words. */
  model: string;
  /** The commands that read this kind of checkpoint. */
  readers: string;
}

const KINDS: Record<string, Omit<CheckpointKind, "trainer">> = {
  "train gpt": { model: "a character-level GPT", readers: "gradstack sample / gradstack evaluate" },
  "train translate": {
    model: "a translation model",
    readers: "gradstack translate / gradstack eval-bleu",
  },
  "train mnist": { model: "an MNIST classifier", readers: "gs.io.loadCheckpoint in code" },
  "train mlp": { model: "an MLP language model on names", readers: "gs.io.loadCheckpoint in code" },
  "train bigram": { model: "a bigram model on names", readers: "gs.io.loadCheckpoint in code" },
};

/** The trainer named in the checkpoint (loop.ts stores it), or guessed from the config of older files. */
function trainerOf(ckpt: Checkpoint): string {
  const stored = (ckpt.extra as { trainer?: unknown } | undefined)?.trainer;
  if (typeof stored === "string") return stored;
  const c = (ckpt.config ?? {}) as Record<string, unknown>;
  if ("arch" in c && "src" in c && "tgt" in c) return "train translate";
  if ("n_layer" in c && "n_embd" in c) return "train gpt";
  if (typeof c.cell === "string") return `train ${c.cell}`;
  if ("arch" in c && "limit" in c) return "train mnist";
  if ("method" in c && "smoothing" in c) return "train bigram";
  if ("block_size" in c && "hidden_size" in c) return "train mlp";
  return "";
}

/** What a checkpoint holds and which commands read it. */
export function checkpointKind(ckpt: Checkpoint): CheckpointKind {
  const trainer = trainerOf(ckpt);
  const cell = /^train (rnn|lstm|gru)$/.exec(trainer)?.[1];
  if (cell)
    return {
      trainer,
      model: `${cell === "rnn" ? "an" : "a"} ${cell.toUpperCase()} language model`,
      readers: `gradstack ${trainer} (it samples after training) or gs.io.loadCheckpoint in code`,
    };
  const known = KINDS[trainer];
  return known
    ? { trainer, ...known }
    : { trainer, model: "a model of unknown type", readers: "gs.io.loadCheckpoint in code" };
}

/**
 * Throws when `ckpt` was not written by `expected` (e.g. "train gpt"): the error names the model
 * found, the command that wrote it and the commands that read it.
 */
export function expectCheckpointKind(ckpt: Checkpoint, expected: string, file: string, where: string): void {
  const kind = checkpointKind(ckpt);
  if (kind.trainer === expected || kind.trainer === "") return; // unknown: the caller's own checks speak
  const wanted = KINDS[expected]?.model ?? expected;
  const found = kind.trainer ? `${kind.model} (written by gradstack ${kind.trainer})` : kind.model;
  throw new Error(`${where}: ${file} holds ${found}, not ${wanted}; use ${kind.readers} for it`);
}
