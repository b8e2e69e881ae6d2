// Converts GPT-2's byte-level BPE ranks, as shipped in the js-tiktoken package (a dev dependency), into the
// compact file that gs.text.gpt2Tokenizer() reads: data/gpt2/ranks.bin.gz. Run once: node scripts/make-gpt2-ranks.mjs
//
// Output format (before gzip): one record per token in rank order 0, 1, ..., 50255; a record is one byte n
// (1..255, the token's length in bytes) followed by the token's n bytes. A token's rank is its id.
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import gpt2 from "js-tiktoken/ranks/gpt2";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "data", "gpt2", "ranks.bin.gz");

// js-tiktoken's "bpe_ranks" is a list of lines "<marker> <first rank> <base64 token> <base64 token> ...":
// the tokens on a line have consecutive ranks starting at <first rank>.
const byRank = new Map();
for (const line of gpt2.bpe_ranks.split("\n")) {
  if (line === "") continue;
  const [, first, ...tokens] = line.split(" ");
  tokens.forEach((b64, i) => byRank.set(Number(first) + i, Buffer.from(b64, "base64")));
}

const n = byRank.size;
if (n !== 50256) throw new Error(`make-gpt2-ranks: expected 50256 ranks, found ${n}`);
if (gpt2.special_tokens["<|endoftext|>"] !== 50256)
  throw new Error("make-gpt2-ranks: <|endoftext|> is not 50256");
const records = [];
for (let rank = 0; rank < n; rank++) {
  const bytes = byRank.get(rank);
  if (bytes === undefined) throw new Error(`make-gpt2-ranks: rank ${rank} is missing`);
  if (bytes.length === 0 || bytes.length > 255)
    throw new Error(`make-gpt2-ranks: token ${rank} is ${bytes.length} bytes long`);
  records.push(Buffer.from([bytes.length]), bytes);
}
const gz = gzipSync(Buffer.concat(records), { level: 9 });
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, gz);
const sha = createHash("sha256").update(gz).digest("hex");
console.log(`wrote ${out}: ${n} tokens, ${gz.length} bytes, sha256 ${sha}`);
console.log(`pattern: ${gpt2.pat_str}`);
