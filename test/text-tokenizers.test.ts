// CharTokenizer, Vocab and WordTokenizer: ids, unknown tokens, special tokens, save/load.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { datasetDir } from "../src/io/files.js";
import { CharTokenizer, Vocab, WordTokenizer } from "../src/text/index.js";

function withTmp(fn: (dir: string) => void): void {
  const dir = mkdtempSync(path.join(tmpdir(), "gs-text-"));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("CharTokenizer: sorted distinct characters, encode/decode", () => {
  const tok = CharTokenizer.fromText("hello world");
  assert.deepEqual(tok.chars, [" ", "d", "e", "h", "l", "o", "r", "w"]);
  assert.equal(tok.vocabSize, 8);
  assert.deepEqual(tok.encode("hell"), [3, 2, 4, 4]);
  assert.equal(tok.decode([3, 2, 4, 4]), "hell");
  assert.equal(tok.stoi.get("w"), 7);
});

test("CharTokenizer on tiny Shakespeare: nanoGPT's 65 characters", () => {
  const text = readFileSync(path.join(datasetDir("tinyshakespeare"), "input.txt"), "utf8");
  const tok = CharTokenizer.fromText(text);
  assert.equal(tok.vocabSize, 65);
  assert.equal(tok.chars.join("").slice(0, 16), "\n !$&',-.3:;?ABC");
  const ids = tok.encode(text.slice(0, 1000));
  assert.equal(tok.decode(ids), text.slice(0, 1000));
});

test("CharTokenizer: code points (an emoji is one character), code-point order", () => {
  const tok = CharTokenizer.fromText(["a😀", "\uffee b"]);
  assert.deepEqual(tok.chars, [" ", "a", "b", "\uffee", "😀"]);
  assert.deepEqual(tok.encode("😀a"), [4, 1]);
});

test("CharTokenizer: unknown characters and bad ids are clear errors", () => {
  const tok = CharTokenizer.fromText("abc");
  assert.throws(
    () => tok.encode("abz"),
    /CharTokenizer.encode: character "z" \(U\+007A\) at position 2 is not in the vocabulary of 3 characters/,
  );
  assert.throws(() => tok.encode("\n"), /character \(U\+000A\) at position 0/);
  assert.throws(() => tok.decode([0, 3]), /id 3 is not in \[0, 3\)/);
  assert.throws(() => CharTokenizer.fromText(""), /the text is empty/);
  assert.throws(() => new CharTokenizer(["a", "a"]), /appears twice/);
  assert.throws(() => new CharTokenizer(["ab"]), /one character/);
});

test("CharTokenizer: save and load", () => {
  withTmp((dir) => {
    const tok = CharTokenizer.fromText("To be, or not to be 🙂");
    const file = path.join(dir, "char.json");
    tok.save(file);
    const again = CharTokenizer.load(file);
    assert.deepEqual(again.chars, tok.chars);
    assert.deepEqual(again.encode("be 🙂"), tok.encode("be 🙂"));
    writeFileSync(file, '{"type":"Vocab"}');
    assert.throws(() => CharTokenizer.load(file), /expected a saved CharTokenizer/);
    writeFileSync(file, "{not json");
    assert.throws(() => CharTokenizer.load(file), /is not valid JSON/);
    assert.throws(() => CharTokenizer.load(path.join(dir, "missing.json")), /cannot read .*missing\.json/);
  });
});

test("Vocab: specials first, then by frequency (ties in code-point order), minFreq, maxSize", () => {
  const sentences = [["b", "a", "c"], ["a", "b", "d"], ["a"]];
  const vocab = Vocab.build(sentences);
  assert.deepEqual(vocab.tokens, ["<unk>", "<pad>", "<bos>", "<eos>", "a", "b", "c", "d"]);
  assert.deepEqual([vocab.unkId, vocab.padId, vocab.bosId, vocab.eosId], [0, 1, 2, 3]);
  assert.equal(vocab.frequencies.get("a"), 3);
  assert.equal(vocab.tokenToId("zebra"), 0);
  assert.equal(vocab.idToToken(5), "b");
  assert.deepEqual(Vocab.build(sentences, { minFreq: 2 }).tokens.slice(4), ["a", "b"]);
  assert.deepEqual(Vocab.build(sentences, { maxSize: 1 }).tokens.slice(4), ["a"]);
  const custom = Vocab.build(sentences, {
    padToken: null,
    bosToken: "[CLS]",
    additionalSpecialTokens: ["<sep>"],
  });
  assert.deepEqual(custom.tokens.slice(0, 5), ["<unk>", "[CLS]", "<eos>", "<sep>", "a"]);
  assert.equal(custom.padId, undefined);
  const strict = Vocab.build(sentences, { unkToken: null });
  assert.throws(() => strict.tokenToId("zebra"), /token "zebra" is not in the vocabulary \(no unkToken\)/);
  assert.throws(() => vocab.idToToken(8), /id 8 is not in \[0, 8\)/);
  assert.throws(() => Vocab.build(sentences, { minFreq: 0 }), /minFreq must be an integer >= 1/);
  assert.throws(() => Vocab.build(["a b"] as unknown as string[][]), /expected token lists/);
});

test("WordTokenizer: words and punctuation, lowercased, with <unk>, <bos>, <eos>", () => {
  const tok = WordTokenizer.fromText(["The cat sat.", "The dog sat!"]);
  assert.deepEqual(tok.tokenize("The cat, sat... Don't stop—o'clock 42!"), [
    "the",
    "cat",
    ",",
    "sat",
    ".",
    ".",
    ".",
    "don't",
    "stop",
    "—",
    "o'clock",
    "42",
    "!",
  ]);
  // sat and the twice (alphabetical), then !, ., cat, dog once
  assert.deepEqual(tok.vocab.tokens.slice(4), ["sat", "the", "!", ".", "cat", "dog"]);
  assert.deepEqual(tok.encode("the bird sat", { addBos: true, addEos: true }), [2, 5, 0, 4, 3]);
  assert.equal(tok.decode([2, 5, 0, 4, 3]), "<bos> the <unk> sat <eos>");
  assert.equal(tok.decode([2, 5, 0, 4, 3, 1], { skipSpecial: true }), "the sat");
  assert.equal(tok.tokenToId("cat"), 8);
  assert.equal(tok.idToToken(9), "dog");
  assert.equal(tok.vocabSize, 10);
  const cased = WordTokenizer.fromText("The the", { lowercase: false, minFreq: 1 });
  assert.deepEqual(cased.vocab.tokens.slice(4), ["The", "the"]);
  const noEos = WordTokenizer.fromText("a b", { eosToken: null });
  assert.throws(() => noEos.encode("a", { addEos: true }), /the vocabulary has no eosToken/);
  assert.throws(() => WordTokenizer.fromText("a", { pattern: "(" }), /is not a valid regular expression/);
});

test("WordTokenizer: minFreq sends rare words to <unk>; custom pattern; save and load", () => {
  const tok = WordTokenizer.fromText("a a a b b c", { minFreq: 2, pattern: String.raw`\S+` });
  assert.deepEqual(tok.encode("a b c d"), [4, 5, 0, 0]);
  withTmp((dir) => {
    const file = path.join(dir, "words.json");
    tok.save(file);
    const again = WordTokenizer.load(file);
    assert.deepEqual(again.vocab.tokens, tok.vocab.tokens);
    assert.deepEqual(again.encode("a b c d"), [4, 5, 0, 0]);
    assert.equal(again.pattern, String.raw`\S+`);
    assert.equal(again.vocab.frequencies.get("a"), 3);
    const vocabFile = path.join(dir, "vocab.json");
    tok.vocab.save(vocabFile);
    assert.deepEqual(Vocab.load(vocabFile).tokens, tok.vocab.tokens);
  });
});
