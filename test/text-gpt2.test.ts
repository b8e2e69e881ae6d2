// gpt2Tokenizer() against js-tiktoken's "gpt2" encoding (a dev dependency), token for token.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { getEncoding } from "js-tiktoken";
import { datasetDir } from "../src/io/files.js";
import { BPETokenizer, GPT2_EOT, gpt2Tokenizer } from "../src/text/index.js";
import { randomStrings, wellFormed } from "./text-random-strings.js";

const tiktoken = getEncoding("gpt2");
const tok = gpt2Tokenizer();

const tricky = [
  "",
  "Hello world",
  "hello  world   with    spaces",
  "  leading and trailing  ",
  "line\nbreaks\n\n\nand\r\nCRLF\n",
  "tabs\tand \t mixed \n\t whitespace",
  "He's, they're, I've, we'll, I'm, she'd, don't, IT'S, 's 't",
  "numbers 1234567890 3.14159 1,000,000 ½ ² ٣ १२३",
  "émigré naïve café cafe\u0301 Ångström",
  "combining: a\u0308\u0323 o\u0301\u0302 Z\u0335\u0321",
  "CJK: 東京タワー 日本語のテキスト 中文 한국어",
  "emoji: 😀 👍🏽 🇫🇷 👨\u200d👩\u200d👧 ❤️ 🏳️\u200d🌈",
  "lone surrogates: \ud800 x \udfff y \udc00\ud800",
  "zero-width\u200bspace and\u00a0nbsp and\u3000ideographic and\u2028separator",
  "symbols !!! ??? ... --- @#$%^&*() <|endoftext|>-ish <|",
  "<|endoftext|>",
  "\ufeffBOM",
  "a".repeat(1000),
  " ".repeat(50) + "x",
];

function same(text: string, label = JSON.stringify(text).slice(0, 60)): void {
  assert.deepEqual(tok.encode(text, { disallowedSpecial: [] }), tiktoken.encode(text, [], []), label);
}

test("equals js-tiktoken's gpt2 on the whole of tiny Shakespeare", () => {
  const text = readFileSync(path.join(datasetDir("tinyshakespeare"), "input.txt"), "utf8");
  const ids = tok.encode(text);
  const want = tiktoken.encode(text);
  assert.equal(ids.length, want.length);
  for (let i = 0; i < ids.length; i++)
    if (ids[i] !== want[i]) assert.fail(`token ${i}: ${ids[i]} != ${want[i]}`);
  assert.equal(ids.length, 338025);
  assert.equal(tok.decode(ids), text);
});

test("equals js-tiktoken on tricky strings: contractions, spaces, newlines, accents, CJK, emoji, surrogates", () => {
  for (const s of tricky) same(s);
  assert.deepEqual(tok.encode("Hello world"), [15496, 995]);
  assert.deepEqual(tok.encode("He's"), [1544, 338]);
});

test("equals js-tiktoken on random strings, and round-trips them (lone surrogates become U+FFFD)", () => {
  for (const s of randomStrings(200, 7)) {
    same(s);
    assert.equal(tok.decode(tok.encode(s, { disallowedSpecial: [] })), wellFormed(s));
  }
  assert.equal(tok.decode(tok.encode("a\ud800b")), "a\ufffdb");
});

test("<|endoftext|> is 50256; special tokens follow tiktoken's rules", () => {
  assert.equal(GPT2_EOT, 50256);
  assert.equal(tok.vocabSize, 50257);
  assert.equal(tok.decode([50256]), "<|endoftext|>");
  const text = "The end.<|endoftext|>A new start<|endoftext|>";
  assert.deepEqual(tok.encode(text, { allowedSpecial: "all" }), tiktoken.encode(text, "all"));
  assert.deepEqual(tok.encode(text, { allowedSpecial: "all" }).filter((t) => t === 50256).length, 2);
  assert.throws(() => tiktoken.encode(text), /special token/);
  assert.throws(() => tok.encode(text), /contains the special token "<\|endoftext\|>" at index 8/);
  assert.deepEqual(tok.encode(text, { disallowedSpecial: [] }), tiktoken.encode(text, [], []));
  assert.deepEqual(tok.encodeOrdinary(text), tiktoken.encode(text, [], []));
  assert.equal(gpt2Tokenizer(), tok); // loaded once, shared
});

test("the GPT-2 tokenizer saves and loads as tiktoken-style ranks", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "gs-gpt2-"));
  try {
    const file = path.join(dir, "gpt2.json");
    tok.save(file);
    const again = BPETokenizer.load(file);
    assert.equal(again.vocabSize, 50257);
    for (const s of tricky.slice(0, 14)) assert.deepEqual(again.encode(s), tok.encode(s));
    assert.deepEqual(again.encode("<|endoftext|>", { allowedSpecial: "all" }), [50256]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
