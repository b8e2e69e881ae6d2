/** Word-level tokenizer: a splitting rule plus a Vocab, as in d2l's text preprocessing chapters. */
import { expectType, loadJson, writeJson } from "./json-file.js";
import { Vocab, type VocabOptions } from "./vocab.js";

/**
 * The default rule: a word is a run of letters, digits and underscores, possibly joined by apostrophes
 * ("don't", "o'clock"); every other non-space character (punctuation, symbols) is a token of its own.
 */
export const WORD_PATTERN = String.raw`[\p{L}\p{N}_]+(?:['’][\p{L}\p{N}_]+)*|[^\s\p{L}\p{N}_]`;

export interface WordTokenizerOptions extends VocabOptions {
  /** Lowercase the text before splitting (default true). */
  lowercase?: boolean;
  /** The splitting rule, a JavaScript regular expression source; each match is a token (default WORD_PATTERN). */
  pattern?: string;
}

/**
 * Splits text into words and punctuation, and maps them to ids with a min-frequency vocabulary whose
 * special tokens are `<unk>`, `<pad>`, `<bos>`, `<eos>` (configurable, see Vocab).
 * @example
 * const tok = gs.text.WordTokenizer.fromText(["The cat sat.", "The dog sat!"], { minFreq: 1 });
 * tok.tokenize("The cat, sat."); // ["the", "cat", ",", "sat", "."]
 * tok.encode("the bird", { addBos: true }); // [2, 5, 0]: <bos>, "the", <unk>
 * tok.decode(tok.encode("the cat")); // "the cat"
 */
export class WordTokenizer {
  readonly vocab: Vocab;
  readonly lowercase: boolean;
  readonly pattern: string;
  private readonly regex: RegExp;

  constructor(vocab: Vocab, options: { lowercase?: boolean; pattern?: string } = {}) {
    this.vocab = vocab;
    this.lowercase = options.lowercase ?? true;
    this.pattern = options.pattern ?? WORD_PATTERN;
    this.regex = compileWordPattern(this.pattern, "WordTokenizer");
  }

  /** Tokenizes `text` (one string or several documents) and builds the vocabulary from it. */
  static fromText(text: string | Iterable<string>, options: WordTokenizerOptions = {}): WordTokenizer {
    const regex = compileWordPattern(options.pattern ?? WORD_PATTERN, "WordTokenizer.fromText");
    const lowercase = options.lowercase ?? true;
    const docs = typeof text === "string" ? [text] : [...text];
    const vocab = Vocab.build(
      docs.map((d) => splitWords(d, regex, lowercase, "WordTokenizer.fromText")),
      options,
    );
    return new WordTokenizer(vocab, options);
  }

  /** The tokens of `text` under the splitting rule (lowercased if so configured). */
  tokenize(text: string): string[] {
    return splitWords(text, this.regex, this.lowercase, "WordTokenizer.tokenize");
  }

  /** Number of ids. */
  get vocabSize(): number {
    return this.vocab.size;
  }

  /** Ids of the tokens of `text`; unknown words map to `<unk>`. `addBos`/`addEos` wrap the sequence. */
  encode(text: string, options: { addBos?: boolean; addEos?: boolean } = {}): number[] {
    const ids = this.vocab.encode(this.tokenize(text));
    if (options.addBos) ids.unshift(this.requireSpecial(this.vocab.bosId, "bosToken"));
    if (options.addEos) ids.push(this.requireSpecial(this.vocab.eosId, "eosToken"));
    return ids;
  }

  /** The tokens of `ids` joined by single spaces (the original spacing is not kept); `skipSpecial` drops specials. */
  decode(ids: Iterable<number>, options: { skipSpecial?: boolean } = {}): string {
    let tokens = this.vocab.decode(ids);
    if (options.skipSpecial) {
      const s = this.vocab.specialTokens;
      const specials = new Set<string | null>([
        s.unkToken,
        s.padToken,
        s.bosToken,
        s.eosToken,
        ...s.additionalSpecialTokens,
      ]);
      tokens = tokens.filter((t) => !specials.has(t));
    }
    return tokens.join(" ");
  }

  /** The id of `token` (unknown → `<unk>`). */
  tokenToId(token: string): number {
    return this.vocab.tokenToId(token);
  }

  /** The token of `id`. */
  idToToken(id: number): string {
    return this.vocab.idToToken(id);
  }

  private requireSpecial(id: number | undefined, name: string): number {
    if (id === undefined) throw new Error(`WordTokenizer.encode: the vocabulary has no ${name}`);
    return id;
  }

  /** A JSON-serialisable description: the rule and the vocabulary. */
  toJSON(): {
    type: "WordTokenizer";
    lowercase: boolean;
    pattern: string;
    vocab: ReturnType<Vocab["toJSON"]>;
  } {
    return {
      type: "WordTokenizer",
      lowercase: this.lowercase,
      pattern: this.pattern,
      vocab: this.vocab.toJSON(),
    };
  }

  /** Rebuilds a tokenizer from `toJSON()`'s output. */
  static fromJSON(json: unknown): WordTokenizer {
    const obj = expectType(json, "WordTokenizer", "WordTokenizer.fromJSON");
    if (typeof obj.lowercase !== "boolean" || typeof obj.pattern !== "string")
      throw new Error("WordTokenizer.fromJSON: `lowercase` must be a boolean and `pattern` a string");
    return new WordTokenizer(Vocab.fromJSON(obj.vocab), { lowercase: obj.lowercase, pattern: obj.pattern });
  }

  /** Saves the rule and the vocabulary as JSON. */
  save(file: string): void {
    writeJson(file, this.toJSON(), "WordTokenizer.save");
  }

  /** Loads a tokenizer saved by `save()`. */
  static load(file: string): WordTokenizer {
    return loadJson(file, "WordTokenizer.load", (json) => WordTokenizer.fromJSON(json));
  }
}

function splitWords(text: string, regex: RegExp, lowercase: boolean, where: string): string[] {
  if (typeof text !== "string") throw new Error(`${where}: expected a string, got ${typeof text}`);
  const s = lowercase ? text.toLowerCase() : text;
  return Array.from(s.matchAll(regex), (m) => m[0]).filter((t) => t !== "");
}

function compileWordPattern(pattern: string, where: string): RegExp {
  try {
    return new RegExp(pattern, "gu");
  } catch (e) {
    throw new Error(
      `${where}: pattern ${JSON.stringify(pattern)} is not a valid regular expression: ${(e as Error).message}`,
    );
  }
}
