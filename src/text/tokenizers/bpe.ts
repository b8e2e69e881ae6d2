/** Byte-level byte-pair encoding (BPE): the tokenizer of GPT-2 and later models, trainable on your own text. */
import { learnMerges } from "./bpe-train.js";
import { MAX_VOCAB, mergePairs, pairKey } from "./bpe-merge.js";
import { buildFromMerges, buildFromRanks, latin1 } from "./bpe-tables.js";
import { expectType, loadJson, writeJson } from "./json-file.js";
import { utf8Decode, utf8Encode } from "../unicode.js";

/** GPT-2's pre-tokenisation pattern: contractions, letters, digits, other symbols, whitespace. */
export const GPT2_PATTERN = String.raw`'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`;

/**
 * GPT-4's (cl100k_base) pre-tokenisation pattern in JavaScript syntax: its case-insensitive contractions
 * are spelled out and its possessive quantifiers are plain ones (same matches here). Numbers split into
 * groups of at most 3 digits. The default for `BPETokenizer.train`.
 */
export const GPT4_PATTERN = String.raw`'(?:[sSdDmMtT]|[lL][lL]|[vV][eE]|[rR][eE])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+`;

/** Which special tokens `encode` may see in the text (tiktoken's `allowed_special`/`disallowed_special`). */
export interface EncodeOptions {
  /** Special tokens encoded as their id when they occur in the text (default: none). */
  allowedSpecial?: "all" | Iterable<string>;
  /** Special tokens whose presence is an error (default "all": every special token not allowed). */
  disallowedSpecial?: "all" | Iterable<string>;
}

export interface BPETrainOptions {
  /** Final number of ids: 256 bytes + learned merges + special tokens. */
  vocabSize: number;
  /** Special tokens, given the last ids; occurrences in the corpus are cut out before training. */
  specialTokens?: string[];
  /** Pre-tokenisation pattern (JavaScript regex source, used with the `u` flag); default GPT4_PATTERN. */
  pattern?: string;
}

interface BPEOptions {
  pattern?: string;
  specialTokens?: Record<string, number>;
}

// Caching the ids of frequent pre-tokens makes encoding real text several times faster.
const CACHE_LIMIT = 100_000;

/**
 * A byte-level BPE tokenizer. Text is split into pre-tokens by a regex, each pre-token's UTF-8 bytes start as
 * byte tokens, and adjacent pairs merge in rank order. Any string encodes (a lone UTF-16 surrogate, which is
 * not Unicode text, is encoded as U+FFFD's bytes, as TextEncoder does, so it decodes to U+FFFD); decoding an id
 * sequence that splits a character replaces the broken bytes with U+FFFD, like Python's `errors="replace"`.
 *
 * Two kinds of merge table: learned `merges` (each new id is one pair, in the order learned, as minbpe and
 * Hugging Face), or tiktoken-style `ranks` (the byte string of every token; any two adjacent parts whose
 * concatenation is a token merge, lowest rank first, and a pre-token that is itself a token is that token).
 * @example
 * const bpe = gs.text.BPETokenizer.train(text, { vocabSize: 512, specialTokens: ["<|endoftext|>"] });
 * const ids = bpe.encode("To be, or not to be");
 * bpe.decode(ids); // "To be, or not to be"
 * bpe.save("bpe.json"); const again = gs.text.BPETokenizer.load("bpe.json");
 */
export class BPETokenizer {
  /** The pre-tokenisation pattern (regex source, `u` flag). */
  readonly pattern: string;
  /** Special token → id. */
  readonly specialTokens: ReadonlyMap<string, number>;
  /** Number of ids (one more than the largest id). */
  readonly vocabSize: number;
  private readonly regex: RegExp;
  private readonly vocab: (Uint8Array | undefined)[];
  private readonly byteIds: Int32Array;
  private readonly pairs: Map<number, number>;
  private readonly merges: [number, number][] | null;
  private readonly wholeTokens: Map<string, number> | null;
  private readonly specialById = new Map<number, string>();
  private readonly cache = new Map<string, number[]>();

  private constructor(
    table: { merges: [number, number][] } | { ranks: Uint8Array[] },
    options: BPEOptions,
    where: string,
  ) {
    this.pattern = options.pattern ?? GPT4_PATTERN;
    this.regex = compilePattern(this.pattern, where);
    this.pairs = new Map();
    this.byteIds = new Int32Array(256).fill(-1);
    if ("merges" in table) {
      this.merges = table.merges.map(([l, r]): [number, number] => [l, r]);
      this.wholeTokens = null;
      this.vocab = buildFromMerges(table.merges, this.byteIds, this.pairs, where);
    } else {
      this.merges = null;
      this.wholeTokens = new Map();
      this.vocab = buildFromRanks(table.ranks, this.byteIds, this.wholeTokens, where);
    }
    const specials = new Map<string, number>();
    for (const [token, id] of Object.entries(options.specialTokens ?? {})) {
      if (token === "") throw new Error(`${where}: a special token cannot be the empty string`);
      if (!Number.isInteger(id) || id < 0 || id >= MAX_VOCAB || this.vocab[id] !== undefined)
        throw new Error(
          `${where}: special token ${JSON.stringify(token)} has id ${id}, which is taken or invalid`,
        );
      this.vocab[id] = utf8Encode(token);
      specials.set(token, id);
      this.specialById.set(id, token);
    }
    this.specialTokens = specials;
    this.vocabSize = this.vocab.length;
  }

  /**
   * A tokenizer from learned merges: ids 0..255 are the bytes, merge `i` (a pair of earlier ids) is id 256 + i.
   * @example const bpe = gs.text.BPETokenizer.fromMerges([[104, 105]], { pattern: gs.text.GPT2_PATTERN }); // "hi" = 256
   */
  static fromMerges(merges: [number, number][], options: BPEOptions = {}): BPETokenizer {
    return new BPETokenizer({ merges }, options, "BPETokenizer.fromMerges");
  }

  /**
   * A tokenizer from tiktoken-style ranks: `ranks[id]` is the byte string of token `id`; all 256 single bytes
   * must be present. This is how `gpt2Tokenizer()` is built.
   */
  static fromRanks(ranks: Uint8Array[], options: BPEOptions = {}): BPETokenizer {
    return new BPETokenizer({ ranks }, options, "BPETokenizer.fromRanks");
  }

  /**
   * Learns merges from `corpus` until the vocabulary has `vocabSize` ids (or no adjacent pair is left). Each
   * step merges the most frequent adjacent pair within pre-tokens; ties go to the pair with the smaller
   * (left id, right id), so training is deterministic. Pair counts are updated incrementally, touching only
   * the pre-tokens that contain the merged pair.
   */
  static train(corpus: string | string[], options: BPETrainOptions): BPETokenizer {
    const where = "BPETokenizer.train";
    const docs = typeof corpus === "string" ? [corpus] : corpus;
    if (!Array.isArray(docs) || !docs.every((d) => typeof d === "string"))
      throw new Error(`${where}: corpus must be a string or an array of strings`);
    const specials = options.specialTokens ?? [];
    if (new Set(specials).size !== specials.length) throw new Error(`${where}: specialTokens has duplicates`);
    const { vocabSize } = options;
    if (!Number.isInteger(vocabSize) || vocabSize < 256 + specials.length || vocabSize > MAX_VOCAB)
      throw new Error(
        `${where}: vocabSize must be an integer in [${256 + specials.length}, ${MAX_VOCAB}] ` +
          `(256 bytes + ${specials.length} special tokens + merges), got ${vocabSize}`,
      );
    const pattern = options.pattern ?? GPT4_PATTERN;
    const regex = compilePattern(pattern, where);
    const counts = new Map<string, number>();
    for (const doc of docs)
      for (const piece of splitOnSpecials(doc, specials))
        for (const m of piece.matchAll(regex)) counts.set(m[0], (counts.get(m[0]) ?? 0) + 1);
    const merges = learnMerges(counts, vocabSize - 256 - specials.length);
    const specialTokens = Object.fromEntries(specials.map((t, i) => [t, 256 + merges.length + i]));
    return BPETokenizer.fromMerges(merges, { pattern, specialTokens });
  }

  /**
   * The ids of `text`. Special tokens in the text follow tiktoken's rules: by default any special token is an
   * error (so user text cannot smuggle one in); `allowedSpecial` encodes the listed ones as their ids, and
   * `disallowedSpecial: []` encodes them as ordinary text.
   */
  encode(text: string, options: EncodeOptions = {}): number[] {
    if (typeof text !== "string")
      throw new Error(`BPETokenizer.encode: expected a string, got ${typeof text}`);
    const all = [...this.specialTokens.keys()];
    const allowed = new Set(options.allowedSpecial === "all" ? all : (options.allowedSpecial ?? []));
    for (const t of allowed)
      if (!this.specialTokens.has(t))
        throw new Error(
          `BPETokenizer.encode: allowedSpecial has ${JSON.stringify(t)}, which is not a special token`,
        );
    const disallowed =
      options.disallowedSpecial === undefined || options.disallowedSpecial === "all"
        ? all.filter((t) => !allowed.has(t))
        : [...options.disallowedSpecial];
    for (const t of disallowed) {
      const at = text.indexOf(t);
      if (at >= 0)
        throw new Error(
          `BPETokenizer.encode: the text contains the special token ${JSON.stringify(t)} at index ${at}; ` +
            `pass { allowedSpecial: "all" } to encode it as its id, or { disallowedSpecial: [] } to encode it as text`,
        );
    }
    if (allowed.size === 0) return this.encodeOrdinary(text);
    const ids: number[] = [];
    const specials = [...allowed];
    for (const piece of splitKeepingSpecials(text, specials)) {
      const id = allowed.has(piece) ? this.specialTokens.get(piece) : undefined;
      if (id !== undefined) ids.push(id);
      else this.encodeInto(piece, ids);
    }
    return ids;
  }

  /** The ids of `text` with special tokens treated as ordinary text (tiktoken's `encode_ordinary`). */
  encodeOrdinary(text: string): number[] {
    const ids: number[] = [];
    this.encodeInto(text, ids);
    return ids;
  }

  private encodeInto(text: string, out: number[]): void {
    for (const m of text.matchAll(this.regex)) {
      const chunk = m[0];
      let ids = this.cache.get(chunk);
      if (ids === undefined) {
        ids = this.encodeChunk(chunk);
        if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
        this.cache.set(chunk, ids);
      }
      for (const id of ids) out.push(id);
    }
  }

  private encodeChunk(chunk: string): number[] {
    const bytes = utf8Encode(chunk);
    const ids = Array.from(bytes, (b) => this.byteIds[b]);
    const whole = this.wholeTokens;
    if (whole === null) return mergePairs(ids, (left, right) => this.pairs.get(pairKey(left, right)));
    // tiktoken's rules: a pre-token that is a token is that token; otherwise two parts merge when their
    // concatenated bytes are a token, whose rank is its id.
    const key = latin1(bytes);
    const id = whole.get(key);
    if (id !== undefined) return [id];
    return mergePairs(ids, (_l, _r, start, end) => whole.get(key.slice(start, end)));
  }

  /** The bytes of the tokens `ids`, concatenated. */
  decodeBytes(ids: Iterable<number>): Uint8Array {
    const parts: Uint8Array[] = [];
    let length = 0;
    for (const id of ids) {
      const bytes = this.vocab[id];
      if (bytes === undefined)
        throw new Error(`BPETokenizer.decode: id ${id} is not a token id (vocabSize ${this.vocabSize})`);
      parts.push(bytes);
      length += bytes.length;
    }
    const out = new Uint8Array(length);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  /** The text of `ids`; byte sequences that are not valid UTF-8 become U+FFFD. */
  decode(ids: Iterable<number>): string {
    return utf8Decode(this.decodeBytes(ids));
  }

  /** A copy of the bytes of token `id` (for a special token, its UTF-8). */
  tokenBytes(id: number): Uint8Array {
    return this.decodeBytes([id]);
  }

  /** A JSON-serialisable description: pattern, special tokens, and merges or base64 ranks. */
  toJSON(): Record<string, unknown> {
    const table =
      this.merges !== null
        ? { merges: this.merges }
        : {
            ranks: this.vocab.filter((_, id) => !this.specialById.has(id)).map((b) => toBase64(b!)),
          };
    return {
      type: "BPETokenizer",
      version: 1,
      pattern: this.pattern,
      specialTokens: Object.fromEntries(this.specialTokens),
      ...table,
    };
  }

  /** Rebuilds a tokenizer from `toJSON()`'s output. */
  static fromJSON(json: unknown): BPETokenizer {
    const where = "BPETokenizer.fromJSON";
    const obj = expectType(json, "BPETokenizer", where);
    if (obj.version !== 1)
      throw new Error(`${where}: unsupported version ${String(obj.version)} (expected 1)`);
    if (typeof obj.pattern !== "string") throw new Error(`${where}: \`pattern\` must be a string`);
    const specials = obj.specialTokens ?? {};
    if (typeof specials !== "object" || specials === null || Array.isArray(specials))
      throw new Error(`${where}: \`specialTokens\` must be an object of token -> id`);
    const options = { pattern: obj.pattern, specialTokens: specials as Record<string, number> };
    if (Array.isArray(obj.merges)) {
      if (!obj.merges.every((m) => Array.isArray(m) && m.length === 2 && m.every(Number.isInteger)))
        throw new Error(`${where}: \`merges\` must be an array of [left id, right id] pairs`);
      return new BPETokenizer({ merges: obj.merges as [number, number][] }, options, where);
    }
    if (Array.isArray(obj.ranks)) {
      if (!obj.ranks.every((r) => typeof r === "string"))
        throw new Error(`${where}: \`ranks\` must be an array of base64 strings`);
      const ranks = (obj.ranks as string[]).map((r) => fromBase64(r, where));
      return new BPETokenizer({ ranks }, options, where);
    }
    throw new Error(`${where}: expected \`merges\` or \`ranks\``);
  }

  /** Saves the tokenizer as JSON. */
  save(file: string): void {
    writeJson(file, this.toJSON(), "BPETokenizer.save");
  }

  /** Loads a tokenizer saved by `save()`. */
  static load(file: string): BPETokenizer {
    return loadJson(file, "BPETokenizer.load", (json) => BPETokenizer.fromJSON(json));
  }
}

function compilePattern(pattern: string, where: string): RegExp {
  if (typeof pattern !== "string") throw new Error(`${where}: pattern must be a regex source string`);
  try {
    return new RegExp(pattern, "gu");
  } catch (e) {
    throw new Error(
      `${where}: pattern ${JSON.stringify(pattern)} is not a valid regular expression: ${(e as Error).message}`,
    );
  }
}

/** `text` split around occurrences of `specials` (longest match first), the specials kept as pieces. */
function splitKeepingSpecials(text: string, specials: string[]): string[] {
  const sorted = [...specials].sort((a, b) => b.length - a.length);
  const re = new RegExp(sorted.map((s) => s.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&")).join("|"), "gu");
  const pieces: string[] = [];
  let last = 0;
  for (const m of text.matchAll(re)) {
    if (m.index > last) pieces.push(text.slice(last, m.index));
    pieces.push(m[0]);
    last = m.index + m[0].length;
  }
  if (last < text.length) pieces.push(text.slice(last));
  return pieces;
}

/** `text` with occurrences of `specials` cut out, as the pieces between them. */
function splitOnSpecials(text: string, specials: string[]): string[] {
  if (specials.length === 0) return [text];
  const set = new Set(specials);
  return splitKeepingSpecials(text, specials).filter((p) => !set.has(p));
}

// Base64 through btoa/atob, which Node and browsers both have (Buffer is Node's alone).
function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

function fromBase64(text: string, where: string): Uint8Array {
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    throw new Error(`${where}: ${JSON.stringify(text)} in \`ranks\` is not base64`);
  }
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}
