/** scikit-learn's word analyzer: lowercase, token pattern, stop words, word n-grams. */
import { pythonRegex } from "./python-regex.js";

/** scikit-learn's default `token_pattern`: words of 2 or more word characters. */
export const SKLEARN_TOKEN_PATTERN = String.raw`(?u)\b\w\w+\b`;

export interface AnalyzerOptions {
  /** Lowercase documents before tokenizing (default true). */
  lowercase?: boolean;
  /**
   * What a token is: a string in Python `re` syntax, as scikit-learn's `token_pattern` (translated by
   * `pythonRegex`), or a JavaScript RegExp used as is. With one capturing group, the group is the token.
   * Default `(?u)\b\w\w+\b`, i.e. `[\p{L}\p{N}_]{2,}` between word boundaries.
   */
  tokenPattern?: string | RegExp;
  /** Replaces the token pattern: splits a (lowercased) document into tokens. */
  tokenizer?: (doc: string) => string[];
  /** Tokens left out before n-grams are formed (compared after lowercasing). */
  stopWords?: Iterable<string>;
  /** Lengths of the word n-grams to use, [min, max] (default [1, 1]); an n-gram is its words joined by " ". */
  ngramRange?: [number, number];
}

/** Checks `options` and returns the function that turns one document into its terms. */
export function buildAnalyzer(options: AnalyzerOptions, where: string): (doc: string) => string[] {
  const lowercase = options.lowercase ?? true;
  const tokenize =
    options.tokenizer ?? patternTokenizer(options.tokenPattern ?? SKLEARN_TOKEN_PATTERN, where);
  const stop = options.stopWords == null ? null : new Set(options.stopWords);
  const [minN, maxN] = options.ngramRange ?? [1, 1];
  if (!Number.isInteger(minN) || !Number.isInteger(maxN) || minN < 1 || minN > maxN)
    throw new Error(
      `${where}: ngramRange must be [min, max] with integers 1 <= min <= max, got [${minN}, ${maxN}]`,
    );
  return (doc: string): string[] => {
    if (typeof doc !== "string")
      throw new Error(`${where}: each document must be a string, got ${doc === null ? "null" : typeof doc}`);
    let tokens = tokenize(lowercase ? doc.toLowerCase() : doc);
    if (stop !== null) tokens = tokens.filter((t) => !stop.has(t));
    return wordNgrams(tokens, minN, maxN);
  };
}

/** Tokens, then the n-grams for n = max(2, minN) .. maxN, in scikit-learn's order. */
function wordNgrams(tokens: string[], minN: number, maxN: number): string[] {
  if (maxN === 1) return tokens;
  const out = minN === 1 ? [...tokens] : [];
  for (let n = Math.max(minN, 2); n <= Math.min(maxN, tokens.length); n++)
    for (let i = 0; i + n <= tokens.length; i++) out.push(tokens.slice(i, i + n).join(" "));
  return out;
}

function patternTokenizer(pattern: string | RegExp, where: string): (doc: string) => string[] {
  let regex: RegExp;
  if (typeof pattern === "string") {
    try {
      regex = pythonRegex(pattern);
    } catch (e) {
      throw new Error(`${where}: tokenPattern: ${(e as Error).message}`);
    }
  } else if (pattern instanceof RegExp) {
    regex = new RegExp(pattern.source, pattern.flags.includes("g") ? pattern.flags : pattern.flags + "g");
  } else throw new Error(`${where}: tokenPattern must be a string or a RegExp`);
  const groups = new RegExp(`${regex.source}|`, regex.flags.replace("g", "")).exec("")!.length - 1;
  if (groups > 1)
    throw new Error(
      `${where}: tokenPattern has ${groups} capturing groups; at most one is allowed (scikit-learn's rule)`,
    );
  const pick = groups === 1 ? (m: RegExpMatchArray) => m[1] ?? "" : (m: RegExpMatchArray) => m[0];
  return (doc) => Array.from(doc.matchAll(regex), pick);
}
