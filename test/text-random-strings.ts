// Random strings for tokenizer round-trip tests: words, whitespace runs, contractions, accents, combining
// marks, CJK, emoji (with modifiers, flags and ZWJ sequences), lone surrogates, and random code points.
import { Generator } from "../src/tensor/random.js";

const PIECES = [
  "hello",
  "World",
  " ",
  "  ",
  "   ",
  "\n",
  "\n\n",
  "\t",
  "\r\n",
  " \n ",
  "'s",
  "'ll",
  "'T",
  "don't",
  "12345",
  "3.14",
  "é",
  "ñ",
  "e\u0301",
  "a\u0308\u0323",
  "東京",
  "日本語",
  "한국어",
  "Ωμέγα",
  "привет",
  "😀",
  "👍🏽",
  "🇫🇷",
  "👨\u200d👩\u200d👧",
  "\ud800",
  "\udfff",
  "\udc00\ud800",
  "\u00a0",
  "\u3000",
  "\u2028",
  "\ufeff",
  "<|",
  "|>",
  "!?",
  "...",
];

/** `count` random strings, reproducible for a seed. */
export function randomStrings(count: number, seed: number): string[] {
  const g = new Generator(seed);
  const out: string[] = [];
  for (let s = 0; s < count; s++) {
    let str = "";
    const n = g.randint(0, 40);
    for (let i = 0; i < n; i++) {
      if (g.random() < 0.2) str += String.fromCodePoint(g.randint(0, 0x110000));
      else str += PIECES[g.randint(0, PIECES.length)];
    }
    out.push(str);
  }
  return out;
}

/** `s` with each lone surrogate replaced by U+FFFD: what a UTF-8 round trip gives back. */
export function wellFormed(s: string): string {
  return s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");
}
