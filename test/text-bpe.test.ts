// Byte-level BPE: training (against a naive full-recount trainer), determinism, round trips of arbitrary
// Unicode, U+FFFD for broken UTF-8, special tokens, save/load.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { datasetDir } from "../src/io/files.js";
import { BPETokenizer, GPT2_PATTERN, GPT4_PATTERN } from "../src/text/index.js";
import { randomStrings, wellFormed } from "./text-random-strings.js";

const shakespeare = readFileSync(path.join(datasetDir("tinyshakespeare"), "input.txt"), "utf8");

/** The textbook algorithm: recount every pair before each merge (slow, obviously right). */
function naiveMerges(text: string, pattern: string, numMerges: number): [number, number][] {
  let words = Array.from(text.matchAll(new RegExp(pattern, "gu")), (m) =>
    Array.from(new TextEncoder().encode(m[0])),
  );
  const merges: [number, number][] = [];
  for (let m = 0; m < numMerges; m++) {
    const counts = new Map<number, number>(); // key: left * 2^20 + right
    for (const w of words)
      for (let i = 0; i + 1 < w.length; i++) {
        const key = w[i] * 2 ** 20 + w[i + 1];
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    let best: [number, number] | null = null;
    let bestCount = 0;
    for (const [key, c] of counts) {
      const pair: [number, number] = [Math.floor(key / 2 ** 20), key % 2 ** 20];
      const better =
        c > bestCount ||
        (c === bestCount &&
          best !== null &&
          (pair[0] < best[0] || (pair[0] === best[0] && pair[1] < best[1])));
      if (better) [best, bestCount] = [pair, c];
    }
    if (best === null) break;
    const [a, b] = best;
    const id = 256 + m;
    words = words.map((w) => {
      const out: number[] = [];
      for (let i = 0; i < w.length; i++)
        if (i + 1 < w.length && w[i] === a && w[i + 1] === b) {
          out.push(id);
          i++;
        } else out.push(w[i]);
      return out;
    });
    merges.push(best);
  }
  return merges;
}

test("training equals a naive trainer that recounts all pairs before each merge", () => {
  const text = shakespeare.slice(0, 10000) + " aaaaaaa abababab éé 東京東京 😀😀";
  for (const pattern of [GPT4_PATTERN, GPT2_PATTERN]) {
    const bpe = BPETokenizer.train(text, { vocabSize: 256 + 100, pattern });
    assert.deepEqual(bpe.toJSON().merges, naiveMerges(text, pattern, 100));
  }
});

test("training is deterministic; vocabSize counts bytes, merges and special tokens", () => {
  const text = shakespeare.slice(0, 50000);
  const a = BPETokenizer.train(text, { vocabSize: 300, specialTokens: ["<|endoftext|>", "<pad>"] });
  const b = BPETokenizer.train(text, { vocabSize: 300, specialTokens: ["<|endoftext|>", "<pad>"] });
  assert.deepEqual(a.toJSON(), b.toJSON());
  assert.equal(a.vocabSize, 300);
  assert.deepEqual(
    [...a.specialTokens],
    [
      ["<|endoftext|>", 298],
      ["<pad>", 299],
    ],
  );
  assert.equal((a.toJSON().merges as unknown[]).length, 42);
  // a tiny corpus runs out of pairs: training stops early and the special tokens follow the last merge
  const tiny = BPETokenizer.train("abab", { vocabSize: 1000, specialTokens: ["<s>"] });
  assert.deepEqual(tiny.toJSON().merges, [
    [97, 98],
    [256, 256],
  ]);
  assert.equal(tiny.vocabSize, 259);
  assert.deepEqual(tiny.encode("abab"), [257]);
});

test("train vocab 512 on the whole of tiny Shakespeare; encode/decode round trip", () => {
  const bpe = BPETokenizer.train(shakespeare, { vocabSize: 512 });
  const ids = bpe.encode(shakespeare);
  assert.equal(bpe.decode(ids), shakespeare);
  assert.ok(ids.length < 0.55 * shakespeare.length, `${ids.length} tokens for ${shakespeare.length} bytes`);
  assert.ok(ids.every((id) => id >= 0 && id < 512));
  assert.equal(bpe.decode(bpe.encode(" the")).length, 4);
  assert.equal(bpe.encode(" the").length, 1);
});

test("any string round-trips; lone surrogates come back as U+FFFD (TextEncoder's encoding)", () => {
  const bpe = BPETokenizer.train(shakespeare.slice(0, 30000) + "東京 😀 é", { vocabSize: 400 });
  for (const s of randomStrings(300, 1))
    assert.equal(bpe.decode(bpe.encode(s)), wellFormed(s), JSON.stringify(s));
  assert.equal(bpe.decode(bpe.encode("a\ud800b\udfffc")), "a\ufffdb\ufffdc");
  assert.equal(bpe.decode(bpe.encode("\ufeffBOM kept")), "\ufeffBOM kept");
  const long = "a".repeat(100000) + "😀".repeat(1000);
  assert.equal(bpe.decode(bpe.encode(long)), long);
});

test("decode replaces invalid UTF-8 with U+FFFD, one per maximal invalid subsequence", () => {
  const bpe = BPETokenizer.fromMerges([]);
  assert.equal(bpe.decode([0x61, 0xff, 0x62]), "a\ufffdb");
  assert.equal(bpe.decode([0xf0, 0x9f]), "\ufffd"); // the first two bytes of 😀
  assert.equal(bpe.decode([0xf0, 0x9f, 0x98, 0x80]), "😀");
  assert.equal(bpe.decode([0xc0, 0xaf]), "\ufffd\ufffd"); // an overlong "/"
  assert.deepEqual([...bpe.decodeBytes([0xf0, 0x9f])], [0xf0, 0x9f]);
  assert.throws(() => bpe.decode([256]), /id 256 is not a token id \(vocabSize 256\)/);
});

test("fromMerges: merges apply in the order learned", () => {
  const bpe = BPETokenizer.fromMerges(
    [
      [104, 105], // "hi" = 256
      [256, 33], // "hi!" = 257
    ],
    { pattern: String.raw`\S+|\s+` },
  );
  assert.deepEqual(bpe.encode("hi hi!"), [256, 32, 257]);
  assert.deepEqual(
    BPETokenizer.fromMerges(
      [
        [104, 105],
        [256, 33],
      ],
      { pattern: GPT2_PATTERN },
    ).encode("hi!"),
    [256, 33],
  );
  assert.deepEqual([...bpe.tokenBytes(257)], [104, 105, 33]);
  assert.throws(
    () => BPETokenizer.fromMerges([[104, 300]]),
    /merge 0 is \[104, 300\], but ids must be below 256/,
  );
  assert.throws(
    () =>
      BPETokenizer.fromMerges([
        [1, 2],
        [1, 2],
      ]),
    /repeats an earlier merge/,
  );
});

test("special tokens follow tiktoken's rules: error by default, allowedSpecial, disallowedSpecial", () => {
  const bpe = BPETokenizer.train(shakespeare.slice(0, 20000) + "<|endoftext|>".repeat(50), {
    vocabSize: 300,
    specialTokens: ["<|endoftext|>"],
  });
  const eot = bpe.specialTokens.get("<|endoftext|>") as number;
  assert.equal(eot, 299);
  // the special token was cut out of the training text, so no merge spells it
  assert.ok(bpe.encodeOrdinary("<|endoftext|>").length > 3);
  const text = "First<|endoftext|>Second";
  assert.throws(
    () => bpe.encode(text),
    /contains the special token "<\|endoftext\|>" at index 5; pass \{ allowedSpecial: "all" \}/,
  );
  const ids = bpe.encode(text, { allowedSpecial: "all" });
  assert.deepEqual(ids, [...bpe.encode("First"), eot, ...bpe.encode("Second")]);
  assert.deepEqual(bpe.encode(text, { allowedSpecial: ["<|endoftext|>"] }), ids);
  assert.deepEqual(bpe.encode(text, { disallowedSpecial: [] }), bpe.encodeOrdinary(text));
  assert.equal(bpe.decode(ids), text);
  assert.throws(() => bpe.encode("x", { allowedSpecial: ["<s>"] }), /"<s>", which is not a special token/);
});

test("save and load: same merges, pattern, special tokens and output", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "gs-bpe-"));
  try {
    const bpe = BPETokenizer.train(shakespeare.slice(0, 20000), {
      vocabSize: 320,
      specialTokens: ["<|endoftext|>"],
      pattern: GPT2_PATTERN,
    });
    const file = path.join(dir, "bpe.json");
    bpe.save(file);
    const again = BPETokenizer.load(file);
    assert.deepEqual(again.toJSON(), bpe.toJSON());
    assert.equal(again.pattern, GPT2_PATTERN);
    const sample = "ROMEO: O, she doth teach the torches to burn bright! 😀<|endoftext|>";
    assert.deepEqual(
      again.encode(sample, { allowedSpecial: "all" }),
      bpe.encode(sample, { allowedSpecial: "all" }),
    );
    writeFileSync(file, JSON.stringify({ type: "BPETokenizer", version: 2 }));
    assert.throws(() => BPETokenizer.load(file), /unsupported version 2/);
    writeFileSync(file, JSON.stringify({ type: "BPETokenizer", version: 1, pattern: "x", merges: [[1]] }));
    assert.throws(() => BPETokenizer.load(file), /`merges` must be an array of \[left id, right id\] pairs/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("bad training input is a clear error", () => {
  assert.throws(
    () => BPETokenizer.train("abc", { vocabSize: 255 }),
    /vocabSize must be an integer in \[256, 2097152\]/,
  );
  assert.throws(
    () => BPETokenizer.train("abc", { vocabSize: 256, specialTokens: ["<s>"] }),
    /\[257, 2097152\]/,
  );
  assert.throws(
    () => BPETokenizer.train("abc", { vocabSize: 300, pattern: "(" }),
    /not a valid regular expression/,
  );
  assert.throws(
    () => BPETokenizer.train([1] as unknown as string[], { vocabSize: 300 }),
    /corpus must be a string or an array/,
  );
  assert.throws(
    () => BPETokenizer.train("a", { vocabSize: 300, specialTokens: ["<s>", "<s>"] }),
    /duplicates/,
  );
});
