// pythonRegex: Python `re` patterns give the tokens Python's re.findall gives (expected lists printed by
// CPython 3.11's re.findall for the same pattern and text).
import { test } from "node:test";
import assert from "node:assert/strict";
import { pythonRegex } from "../src/text/index.js";

function findall(pattern: string, text: string): string[] {
  return Array.from(text.matchAll(pythonRegex(pattern)), (m) => (m.length > 1 ? (m[1] ?? "") : m[0]));
}

test("\\w and \\b are Unicode-aware, as in Python 3", () => {
  const text = "Hello, world! It's naïve café (cafe\u0301) x_y 4½ ٣٤٥ Ⅻ ²³ 東京タワー ΣΊΣΥΦΟΣ";
  assert.deepEqual(findall(String.raw`(?u)\b\w\w+\b`, text), [
    "Hello",
    "world",
    "It",
    "naïve",
    "café",
    "cafe",
    "x_y",
    "4½",
    "٣٤٥",
    "²³",
    "東京タワー",
    "ΣΊΣΥΦΟΣ",
  ]);
  assert.deepEqual(findall(String.raw`\b\w+\b`, "x_y Ⅻ e\u0301"), ["x_y", "Ⅻ", "e"]);
  assert.deepEqual(findall(String.raw`\W+`, "a, b"), [", "]);
  assert.deepEqual(findall(String.raw`\B\w`, "abc"), ["b", "c"]);
  assert.deepEqual(findall(String.raw`\d+`, "1 ٣٤ १२ ½ ²"), ["1", "٣٤", "१२"]);
});

test("whitespace, dot, $, groups, escapes and flags mean what they mean in Python", () => {
  assert.deepEqual(findall(String.raw`\S+`, "a\u001cb c\ufeffd\u0085e"), ["a", "b", "c\ufeffd", "e"]);
  assert.deepEqual(findall(".+", "ab\r\ncd\u2028ef"), ["ab\r", "cd\u2028ef"]);
  assert.deepEqual(findall(String.raw`\w+$`, "last line\n"), ["line"]);
  assert.deepEqual(findall(String.raw`(\w+)@`, "me@here you@there"), ["me", "you"]);
  assert.deepEqual(findall(String.raw`(?P<w>\w)(?P=w)`, "aa bc dd"), ["a", "d"]);
  assert.deepEqual(findall(String.raw`[]a]+`, "]]a] b"), ["]]a]"]);
  assert.deepEqual(findall(String.raw`\-\'x\#`, "-'x#"), ["-'x#"]);
  assert.deepEqual(findall(String.raw`[\w\-]+`, "e-mail me"), ["e-mail", "me"]);
  assert.deepEqual(findall(String.raw`\U0001F600+`, "😀😀 x"), ["😀😀"]);
  assert.deepEqual(findall("(?i)ab(?#comment)", "AB ab aB"), ["AB", "ab", "aB"]);
  assert.deepEqual(findall("(?s).+", "a\nb"), ["a\nb"]);
});

test("what JavaScript cannot express is an error that names the pattern", () => {
  assert.throws(
    () => pythonRegex(String.raw`[\W]`),
    /pythonRegex\("\[\\\\W\]"\): \\W inside \[...\] cannot be translated/,
  );
  assert.throws(() => pythonRegex("(?x)a b"), /inline flag "x" is not supported/);
  assert.throws(() => pythonRegex("a++"), /cannot be used in JavaScript/);
  assert.throws(() => pythonRegex("[abc"), /unterminated character set/);
});
