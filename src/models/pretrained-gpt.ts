/**
 * A GPT from one .safetensors file trained elsewhere: nanoGPT's names or Hugging Face's GPT-2 names
 * (with or without the `transformer.` prefix, Conv1D weights as (in, out)), with GPT-2's BPE. The
 * layout is told by the shape of the first attention weight: (3·C, C) is nanoGPT's Linear, (C, 3·C)
 * HF's Conv1D. A `config.json` beside the file (HF's) gives `n_head`; without it heads are 64 wide.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { loadSafetensors } from "../io/safetensors-file.js";
import { gpt2Tokenizer } from "../text/tokenizers/gpt2.js";
import type { BPETokenizer } from "../text/tokenizers/bpe.js";
import { GPT } from "./gpt.js";

/** GPT-2's BPE has 50,257 ids; nanoGPT pads its embedding to 50,304 for speed. */
const GPT2_VOCAB = 50257;

export function loadPretrainedGPT(file: string): { model: GPT; tokenizer: BPETokenizer } {
  const dict = loadSafetensors(file);
  const key = ["transformer.h.0.attn.c_attn.weight", "h.0.attn.c_attn.weight"].find((k) => k in dict);
  const wte = dict["transformer.wte.weight"] ?? dict["wte.weight"];
  if (!key || !wte)
    throw new Error(
      `${file}: not a GPT in nanoGPT's or Hugging Face GPT-2's names (expected wte.weight and h.0.attn.c_attn.weight, with or without "transformer.")`,
    );
  const C = wte.shape[1];
  const layout = dict[key].shape[0] === C ? "hf-gpt2" : "nanogpt";
  if (wte.shape[0] < GPT2_VOCAB)
    throw new Error(
      `${file}: a vocabulary of ${wte.shape[0]} ids is not GPT-2's BPE (${GPT2_VOCAB}); use a gradstack checkpoint folder for a character model`,
    );
  const configFile = join(dirname(file), "config.json");
  const nHead = existsSync(configFile)
    ? (JSON.parse(readFileSync(configFile, "utf8")) as { n_head?: number }).n_head
    : undefined;
  const model = GPT.fromStateDict(dict, { layout, nHead });
  model.eval();
  return { model, tokenizer: gpt2Tokenizer() };
}
