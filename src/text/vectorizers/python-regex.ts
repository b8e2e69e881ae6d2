/**
 * Translates a Python `re` pattern (as scikit-learn's `token_pattern`) into an equivalent JavaScript RegExp,
 * so that a pattern copied from Python matches the same tokens.
 */

// Python 3's \w for str patterns: characters for which str.isalnum() is true, and "_".
const WORD = String.raw`\p{L}\p{N}_`;
// Python 3's \s for str patterns: characters for which str.isspace() is true.
const SPACE = String.raw`\t\n\v\f\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000`;
const JS_SYNTAX = new Set("^$\\.*+?()[]{}|/");

/**
 * A JavaScript RegExp (flags `gu`, plus `i`/`s` from the pattern's inline flags) that matches what Python's
 * `re` matches with `pattern`. Translated: `\w \W \b \B` (Unicode word characters `[\p{L}\p{N}_]`, as Python
 * 3), `\s \S` (Python's whitespace: JavaScript's lacks U+001C..U+001F and U+0085, and adds U+FEFF),
 * `\d \D` (`\p{Nd}`), `\A \Z`, `$` (Python's also matches before a final newline), `.` (any character but
 * `\n`), `\U0001F600`-style escapes, `(?P<name>…)`, `(?P=name)`, `(?#…)`, escaped punctuation, and leading inline
 * flags `(?u)`, `(?i)`, `(?s)`. Anything else that JavaScript lacks (possessive quantifiers, `\W` or `\S`
 * inside brackets, other flags) is an error.
 * @example gs.text.pythonRegex(String.raw`(?u)\b\w\w+\b`) // scikit-learn's default token pattern
 */
export function pythonRegex(pattern: string): RegExp {
  if (typeof pattern !== "string")
    throw new Error(`pythonRegex: expected a pattern string, got ${typeof pattern}`);
  const where = `pythonRegex(${JSON.stringify(pattern)})`;
  let flags = "gu";
  let i = 0;
  let dotAll = false;
  for (
    let m = /^\(\?([a-zA-Z]+)\)/.exec(pattern);
    m !== null;
    m = /^\(\?([a-zA-Z]+)\)/.exec(pattern.slice(i))
  ) {
    for (const f of m[1]) {
      if (f === "i") flags += flags.includes("i") ? "" : "i";
      else if (f === "s") dotAll = true;
      else if (f !== "u") throw new Error(`${where}: inline flag "${f}" is not supported (only i, s, u)`);
    }
    i += m[0].length;
  }
  let out = "";
  let inClass = false;
  while (i < pattern.length) {
    const c = pattern[i];
    if (c === "\\") {
      const [js, used] = translateEscape(pattern, i, inClass, where);
      out += js;
      i += used;
      continue;
    }
    if (inClass) {
      if (c === "]") inClass = false;
      else if (c === "[") {
        out += "\\[";
        i++;
        continue;
      }
      out += c;
      i++;
      continue;
    }
    if (c === "[") {
      // In Python a "]" right after "[" or "[^" is a literal; JavaScript needs it escaped.
      inClass = true;
      const negated = pattern[i + 1] === "^";
      out += negated ? "[^" : "[";
      i += negated ? 2 : 1;
      if (pattern[i] === "]") {
        out += "\\]";
        i++;
      }
      continue;
    }
    if (pattern.startsWith("(?P<", i)) {
      out += "(?<";
      i += 4;
    } else if (pattern.startsWith("(?P=", i)) {
      const close = pattern.indexOf(")", i);
      if (close < 0) throw new Error(`${where}: unterminated (?P=name)`);
      out += `\\k<${pattern.slice(i + 4, close)}>`;
      i = close + 1;
    } else if (pattern.startsWith("(?#", i)) {
      const close = pattern.indexOf(")", i);
      if (close < 0) throw new Error(`${where}: unterminated comment (?#...)`);
      i = close + 1;
    } else if (c === ".") {
      out += dotAll ? String.raw`[\s\S]` : String.raw`[^\n]`;
      i++;
    } else if (c === "$") {
      out += String.raw`(?=\n?$)`;
      i++;
    } else {
      out += c;
      i++;
    }
  }
  if (inClass) throw new Error(`${where}: unterminated character set`);
  if (dotAll) flags += "s";
  try {
    return new RegExp(out, flags);
  } catch (e) {
    throw new Error(`${where}: cannot be used in JavaScript (${(e as Error).message})`);
  }
}

/** The JavaScript for the escape at pattern[i] ("\\" + ...), and how many pattern characters it used. */
function translateEscape(pattern: string, i: number, inClass: boolean, where: string): [string, number] {
  const c = pattern[i + 1];
  if (c === undefined) throw new Error(`${where}: the pattern ends with a lone backslash`);
  const notWord = `[^${WORD}]`;
  const isWord = `[${WORD}]`;
  switch (c) {
    case "w":
      return [inClass ? WORD : isWord, 2];
    case "W":
      if (inClass) throw new Error(`${where}: \\W inside [...] cannot be translated; use [^...] instead`);
      return [notWord, 2];
    case "s":
      return [inClass ? SPACE : `[${SPACE}]`, 2];
    case "S":
      if (inClass) throw new Error(`${where}: \\S inside [...] cannot be translated; use [^...] instead`);
      return [`[^${SPACE}]`, 2];
    case "d":
      return [String.raw`\p{Nd}`, 2];
    case "D":
      return [String.raw`\P{Nd}`, 2];
    case "b":
      if (inClass) return [String.raw`\x08`, 2];
      return [`(?:(?<=${isWord})(?!${isWord})|(?<!${isWord})(?=${isWord}))`, 2];
    case "B":
      if (inClass) throw new Error(`${where}: \\B inside [...] is not valid`);
      return [`(?:(?<=${isWord})(?=${isWord})|(?<!${isWord})(?!${isWord}))`, 2];
    case "A":
      return ["^", 2];
    case "Z":
      return ["$", 2];
    case "U": {
      const hex = pattern.slice(i + 2, i + 10);
      if (!/^[0-9a-fA-F]{8}$/.test(hex)) throw new Error(`${where}: \\U needs 8 hex digits`);
      return [`\\u{${hex}}`, 10];
    }
    case "N":
      throw new Error(`${where}: \\N{...} named characters are not supported`);
  }
  if (/[0-9A-Za-z]/.test(c)) return ["\\" + c, 2]; // \n \t \x41 \u00e9 \1 ... mean the same in JavaScript
  if (JS_SYNTAX.has(c) || (inClass && c === "-")) return ["\\" + c, 2];
  // Python lets any punctuation be escaped; JavaScript's u flag does not, so spell it as a code point.
  const cp = pattern.codePointAt(i + 1) as number;
  return [`\\u{${cp.toString(16)}}`, cp > 0xffff ? 3 : 2];
}
