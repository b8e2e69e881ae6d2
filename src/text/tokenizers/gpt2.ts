/** GPT-2's tokenizer, from the ranks shipped in data/gpt2 (read on first use, no download). Node only. */
import * as path from "node:path";
import { datasetDir, readBytes } from "../../io/files.js";
import { BPETokenizer, GPT2_PATTERN } from "./bpe.js";

/** GPT-2's `<|endoftext|>` id. */
export const GPT2_EOT = 50256;
const GPT2_RANKS = 50256;

let shared: BPETokenizer | undefined;

/**
 * GPT-2's byte-level BPE (the `gpt2`/`r50k_base` encoding): its regex pre-tokenisation (GPT2_PATTERN), its
 * 50,256 ranked tokens and `<|endoftext|>` = 50256. Output equals tiktoken's `gpt2` encoding token for token.
 * JavaScript's `\s` and `\p{…}` classes are used as in js-tiktoken. Special tokens follow tiktoken's rules
 * (see `BPETokenizer.encode`). The ranks are read from `data/gpt2/ranks.bin.gz` once and shared.
 * @example
 * const tok = gs.text.gpt2Tokenizer();
 * tok.encode("Hello world"); // [15496, 995]
 * tok.encode("<|endoftext|>", { allowedSpecial: "all" }); // [50256]
 * tok.decode([15496, 995]); // "Hello world"
 */
export function gpt2Tokenizer(): BPETokenizer {
  if (shared === undefined) {
    const ranks = readGpt2Ranks(path.join(datasetDir("gpt2"), "ranks.bin.gz"));
    shared = BPETokenizer.fromRanks(ranks, {
      pattern: GPT2_PATTERN,
      specialTokens: { "<|endoftext|>": GPT2_EOT },
    });
  }
  return shared;
}

/** Parses the rank file: records of one length byte followed by that many token bytes, in rank order. */
function readGpt2Ranks(file: string): Uint8Array[] {
  const where = "gpt2Tokenizer";
  const bytes = readBytes(file, where);
  const ranks: Uint8Array[] = [];
  let at = 0;
  while (at < bytes.length) {
    const n = bytes[at];
    if (n === 0 || at + 1 + n > bytes.length) throw new Error(`${where}: ${file} is corrupt at byte ${at}`);
    ranks.push(bytes.subarray(at + 1, at + 1 + n));
    at += 1 + n;
  }
  if (ranks.length !== GPT2_RANKS)
    throw new Error(`${where}: ${file} holds ${ranks.length} tokens, expected ${GPT2_RANKS}`);
  return ranks;
}
