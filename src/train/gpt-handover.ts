/**
 * A `train gpt` run handed to PyTorch and back (io/export/torch-handover.ts is the file format):
 * exportGPTRun writes a checkpoint as nanoGPT's train.py would resume it, with the run's token ids
 * as nanoGPT's train.bin/val.bin; importGPTRun turns such a pair (written by gradstack or by
 * scripts/torch/) into a checkpoint that `gradstack sample`, `evaluate` and `train gpt
 * --init_from=resume` read.
 */
import * as path from "node:path";
import { GPT } from "../models/gpt.js";
import type { Tensor } from "../tensor/tensor.js";
import { CharTokenizer } from "../text/tokenizers/char-tokenizer.js";
import { checkpointFile, loadCheckpoint, saveCheckpoint } from "../io/checkpoint.js";
import { readTorchHandover, writeTorchHandover, type NanoGPTModelArgs } from "../io/export/torch-handover.js";
import { writeTokenBin } from "../io/export/token-bin.js";
import { splitTrainVal } from "../data/token-windows.js";
import type { OptimizerStateDict } from "../optim/optimizer.js";
import { GPT_TRAIN_DEFAULTS, modelConfig, readCorpus, type GPTTrainConfig } from "./gpt-train.js";

function modelArgs(c: GPTTrainConfig, vocabSize: number): NanoGPTModelArgs {
  return {
    n_layer: c.n_layer,
    n_head: c.n_head,
    n_embd: c.n_embd,
    block_size: c.block_size,
    bias: c.bias,
    vocab_size: vocabSize,
    dropout: c.dropout,
  };
}

function gptOf(c: GPTTrainConfig, vocabSize: number): GPT {
  return new GPT(modelConfig(c, vocabSize));
}

/** The run's AdamW, as trainGPT builds it (nanoGPT's configure_optimizers: decay, then no-decay). */
function optimizerOf(model: GPT, c: GPTTrainConfig) {
  return model.configureOptimizers({
    weightDecay: c.weight_decay,
    lr: c.learning_rate,
    betas: [c.beta1, c.beta2],
  });
}

/** Adds each group's parameter names, so that a reader can check the order against its own model. */
function withParamNames(sd: OptimizerStateDict, model: GPT, c: GPTTrainConfig): OptimizerStateDict {
  const names = new Map<Tensor, string>();
  for (const [name, p] of model.namedParameters()) names.set(p, name);
  const groups = optimizerOf(model, c).paramGroups;
  return {
    state: sd.state,
    param_groups: sd.param_groups.map((g, gi) => ({
      ...g,
      param_names: groups[gi].params.map((p) => names.get(p)!),
    })),
  };
}

/**
 * Writes the run checkpointed at `ckpt` (a `train gpt --out_dir` folder or its file) as `out`
 * (.safetensors) + its .json sidecar + `<stem>.train.bin`/`<stem>.val.bin`; returns the paths.
 */
export function exportGPTRun(ckpt: string, out: string): string[] {
  const file = checkpointFile(ckpt);
  const saved = loadCheckpoint(file);
  const extra = (saved.extra ?? {}) as { tokenizer?: unknown; bestValLoss?: number };
  if (!extra.tokenizer) throw new Error(`export: ${file} is not a checkpoint of train gpt (no tokenizer)`);
  const c: GPTTrainConfig = { ...GPT_TRAIN_DEFAULTS, ...(saved.config as Partial<GPTTrainConfig>) };
  const tokenizer = CharTokenizer.fromJSON(extra.tokenizer);
  const model = gptOf(c, tokenizer.vocabSize);
  model.loadStateDict(saved.model); // checks the weights before anything is written
  const stem = out.replace(/\.safetensors$/, "");
  const data = splitTrainVal(tokenizer.encode(readCorpus(c)));
  writeTokenBin(`${stem}.train.bin`, data.train);
  writeTokenBin(`${stem}.val.bin`, data.val);
  const written = writeTorchHandover(out, {
    model: saved.model,
    optimizer: saved.optimizer ? withParamNames(saved.optimizer as OptimizerStateDict, model, c) : undefined,
    model_args: modelArgs(c, tokenizer.vocabSize),
    iter_num: saved.step ?? 0,
    best_val_loss: extra.bestValLoss ?? Infinity,
    config: c,
    vocab: [...tokenizer.chars],
    data: {
      train: path.basename(`${stem}.train.bin`),
      val: path.basename(`${stem}.val.bin`),
      dtype: "uint16",
    },
    rng: saved.rng,
  });
  return [written.tensors, written.json, `${stem}.train.bin`, `${stem}.val.bin`];
}

/** A saved group's AdamW options and parameter indices, without PyTorch's own flags (foreach, fused, ...). */
function adamOptions(g: OptimizerStateDict["param_groups"][number]) {
  const keep = ["params", "lr", "betas", "eps", "weight_decay", "amsgrad", "maximize"];
  return Object.fromEntries(Object.entries(g).filter(([k]) => keep.includes(k))) as typeof g;
}

/**
 * Reads a hand-over pair (from exportGPTRun or scripts/torch/) and writes it as the checkpoint of a
 * `train gpt` run in `outDir`; returns the checkpoint's path. The optimizer state comes along when
 * the pair has one, so `train gpt --init_from=resume --out_dir=outDir` continues the run.
 */
export function importGPTRun(file: string, outDir: string): string {
  const h = readTorchHandover(file);
  if (!h.vocab)
    throw new Error(`import: ${file}: the .json has no "vocab" (the characters of the tokenizer)`);
  const a = h.model_args;
  const known = Object.fromEntries(
    Object.entries(h.config).filter(([k]) => Object.hasOwn(GPT_TRAIN_DEFAULTS, k)),
  ) as Partial<GPTTrainConfig>;
  const c: GPTTrainConfig = {
    ...GPT_TRAIN_DEFAULTS,
    ...known,
    n_layer: a.n_layer,
    n_head: a.n_head,
    n_embd: a.n_embd,
    block_size: a.block_size,
    bias: a.bias,
    dropout: a.dropout,
    out_dir: outDir,
  };
  const tokenizer = CharTokenizer.fromJSON({ type: "CharTokenizer", chars: h.vocab });
  if (tokenizer.vocabSize !== a.vocab_size)
    throw new Error(
      `import: ${file}: vocab has ${tokenizer.vocabSize} characters, model_args.vocab_size is ${a.vocab_size}`,
    );
  // nanoGPT's state dict may hold the causal-mask buffers ("attn.bias"); gradstack makes its own.
  const weights = Object.fromEntries(Object.entries(h.model).filter(([k]) => !k.endsWith(".attn.bias")));
  const model = gptOf(c, tokenizer.vocabSize);
  model.loadStateDict(weights);
  let optimizer: OptimizerStateDict | undefined;
  if (h.optimizer) {
    const opt = optimizerOf(model, c);
    opt.loadStateDict({ state: h.optimizer.state, param_groups: h.optimizer.param_groups.map(adamOptions) });
    optimizer = opt.stateDict();
  }
  return saveCheckpoint(outDir, {
    model: model.stateDict(),
    optimizer,
    config: c,
    step: h.iter_num,
    rng: h.rng as Parameters<typeof saveCheckpoint>[1]["rng"],
    extra: { tokenizer: tokenizer.toJSON(), bestValLoss: h.best_val_loss },
  });
}
