/**
 * The PyTorch hand-over: what nanoGPT's train.py resumes from (its ckpt.pt holds `model`, `optimizer`,
 * `model_args`, `iter_num`, `best_val_loss` and `config`), as two files that PyTorch reads without
 * gradstack and without pickles:
 * - FILE.safetensors: the model's state dict under nanoGPT's keys, and the AdamW buffers as
 *   `optimizer.state.<i>.exp_avg` and `optimizer.state.<i>.exp_avg_sq`;
 * - FILE.json: the rest, with the optimizer in `torch.optim.AdamW.state_dict()`'s layout (parameter
 *   indices counted across the groups in order, `step` a number, each buffer named by its key in
 *   FILE.safetensors).
 * scripts/torch/handover.py reads and writes the same pair.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { Tensor } from "../../tensor/tensor.js";
import type { OptimizerStateDict } from "../../optim/optimizer.js";
import { saveFileAtomic } from "../atomic.js";
import { readSafetensors, saveSafetensors } from "../safetensors-file.js";

export const HANDOVER_FORMAT = "gradstack-torch-handover";

/** nanoGPT's GPTConfig fields, as its checkpoints store them. */
export interface NanoGPTModelArgs {
  n_layer: number;
  n_head: number;
  n_embd: number;
  block_size: number;
  bias: boolean;
  vocab_size: number;
  dropout: number;
}

export interface TorchHandover {
  /** A state dict under nanoGPT's names. */
  model: Record<string, Tensor>;
  /** AdamW's state in PyTorch's layout; each group may carry `param_names` (nanoGPT's names of its params). */
  optimizer?: OptimizerStateDict;
  model_args: NanoGPTModelArgs;
  iter_num: number;
  best_val_loss: number;
  /** The training options (train.py's names: batch_size, learning_rate, ...). */
  config: Record<string, unknown>;
  /** The characters of the vocabulary, in id order (nanoGPT's meta.pkl `itos`). */
  vocab?: string[];
  /** Where the token ids are: files beside FILE.json, uint16 little-endian (nanoGPT's train.bin/val.bin). */
  data?: { train: string; val: string; dtype: "uint16" };
  /** gradstack's random stream at iter_num, so that a continuation can draw the batches gradstack would. */
  rng?: unknown;
}

/** FILE.json beside FILE.safetensors. */
export function sidecarPath(file: string): string {
  return file.replace(/\.safetensors$/, "") + ".json";
}

const BUFFERS = ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"];

/** Writes the pair; returns the two paths. */
export function writeTorchHandover(file: string, h: TorchHandover): { tensors: string; json: string } {
  if (!file.endsWith(".safetensors"))
    throw new RangeError(`writeTorchHandover: ${file}: the file must end in .safetensors`);
  const tensors = new Map<string, Tensor>(Object.entries(h.model));
  let optimizer: unknown;
  if (h.optimizer) {
    const state: Record<string, Record<string, unknown>> = {};
    for (const [i, entry] of Object.entries(h.optimizer.state)) {
      state[i] = {};
      for (const [k, v] of Object.entries(entry)) {
        if (v instanceof Tensor) {
          const name = `optimizer.state.${i}.${k}`;
          tensors.set(name, v);
          state[i][k] = name;
        } else state[i][k] = v;
      }
    }
    optimizer = { state, param_groups: h.optimizer.param_groups };
  }
  const json = sidecarPath(file);
  saveSafetensors(file, tensors, { format: HANDOVER_FORMAT });
  const body = {
    format: HANDOVER_FORMAT,
    version: 1,
    model_args: h.model_args,
    iter_num: h.iter_num,
    // JSON has no Infinity: a run never evaluated has no best loss.
    best_val_loss: Number.isFinite(h.best_val_loss) ? h.best_val_loss : null,
    config: h.config,
    optimizer,
    vocab: h.vocab,
    data: h.data,
    rng: h.rng,
  };
  saveFileAtomic(json, new TextEncoder().encode(JSON.stringify(body, null, 1) + "\n"));
  return { tensors: file, json };
}

/** Reads the pair written by writeTorchHandover or by scripts/torch/handover.py. */
export function readTorchHandover(file: string): TorchHandover {
  const json = sidecarPath(file);
  const fail = (p: string) => new Error(`readTorchHandover: ${p}`);
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(readFileSync(json, "utf8"));
  } catch (e) {
    throw fail(`cannot read ${json}: ${(e as Error).message}`);
  }
  if (body.format !== HANDOVER_FORMAT)
    throw fail(`${json} is not a PyTorch hand-over (format "${String(body.format)}")`);
  const { tensors } = readSafetensors(file, "readTorchHandover");
  const model: Record<string, Tensor> = {};
  for (const [k, t] of Object.entries(tensors)) if (!k.startsWith("optimizer.")) model[k] = t;
  const need = (key: string) => {
    if (!Object.hasOwn(tensors, key)) throw fail(`${json} names tensor "${key}", which ${file} lacks`);
    return tensors[key];
  };
  let optimizer: OptimizerStateDict | undefined;
  const saved = body.optimizer as
    | { state: Record<string, Record<string, unknown>>; param_groups: OptimizerStateDict["param_groups"] }
    | undefined;
  if (saved) {
    const state: OptimizerStateDict["state"] = {};
    for (const [i, entry] of Object.entries(saved.state)) {
      const out: Record<string, Tensor | number> = {};
      for (const [k, v] of Object.entries(entry))
        out[k] = BUFFERS.includes(k) && typeof v === "string" ? need(v) : Number(v);
      state[Number(i)] = out;
    }
    optimizer = { state, param_groups: saved.param_groups };
  }
  const dir = path.dirname(json);
  const data = body.data as TorchHandover["data"];
  return {
    model,
    optimizer,
    model_args: body.model_args as NanoGPTModelArgs,
    iter_num: Number(body.iter_num ?? 0),
    best_val_loss: typeof body.best_val_loss === "number" ? body.best_val_loss : Infinity,
    config: (body.config ?? {}) as Record<string, unknown>,
    vocab: body.vocab as string[] | undefined,
    data: data && { ...data, train: path.resolve(dir, data.train), val: path.resolve(dir, data.val) },
    rng: body.rng,
  };
}
