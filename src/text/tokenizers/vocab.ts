/** A token vocabulary with special tokens and a minimum frequency, as d2l's Vocab and torchtext's vocab. */
import { expectType, loadJson, writeJson } from "./json-file.js";
import { compareCodePoints } from "../unicode.js";

/** The special tokens of a Vocab; `null` leaves one out. */
export interface SpecialTokens {
  /** Stands for every token outside the vocabulary (default `"<unk>"`; `null`: unknown tokens are an error). */
  unkToken?: string | null;
  /** Padding (default `"<pad>"`). */
  padToken?: string | null;
  /** Beginning of sequence (default `"<bos>"`). */
  bosToken?: string | null;
  /** End of sequence (default `"<eos>"`). */
  eosToken?: string | null;
  /** More reserved tokens, after the four above. */
  additionalSpecialTokens?: string[];
}

export interface VocabOptions extends SpecialTokens {
  /** Tokens seen fewer times are left out (default 1). */
  minFreq?: number;
  /** Keep at most this many ordinary tokens, the most frequent (default: all). */
  maxSize?: number;
}

interface ResolvedSpecials {
  unkToken: string | null;
  padToken: string | null;
  bosToken: string | null;
  eosToken: string | null;
  additionalSpecialTokens: string[];
}

/**
 * Token ↔ id. Ids: the special tokens first (unk, pad, bos, eos, then the additional ones, those not null),
 * then the tokens with at least `minFreq` occurrences by decreasing frequency, ties in code-point order.
 * @example
 * const vocab = gs.text.Vocab.build([["the", "cat"], ["the", "dog"]], { minFreq: 1 });
 * vocab.tokenToId("the"); // 4 (after <unk>, <pad>, <bos>, <eos>)
 * vocab.tokenToId("zebra"); // 0, the id of <unk>
 */
export class Vocab {
  /** Id to token (`itos`). */
  readonly tokens: readonly string[];
  /** How often each ordinary token was seen when the vocabulary was built (special tokens: 0). */
  readonly frequencies: ReadonlyMap<string, number>;
  private readonly ids: Map<string, number>;
  private readonly specials: ResolvedSpecials;

  private constructor(specials: ResolvedSpecials, entries: [string, number][]) {
    this.specials = specials;
    this.ids = new Map();
    const freqs = new Map<string, number>();
    for (const t of reservedTokens(specials)) {
      if (this.ids.has(t)) throw new Error(`Vocab: special token ${JSON.stringify(t)} is given twice`);
      this.ids.set(t, this.ids.size);
      freqs.set(t, 0);
    }
    for (const [t, f] of entries) {
      if (this.ids.has(t)) continue; // a special token that also occurs in the text keeps its reserved id
      this.ids.set(t, this.ids.size);
      freqs.set(t, f);
    }
    this.tokens = [...this.ids.keys()];
    this.frequencies = freqs;
  }

  /** Counts the tokens of `sentences` (each a token list) and keeps those seen at least `minFreq` times. */
  static build(sentences: Iterable<Iterable<string>>, options: VocabOptions = {}): Vocab {
    const minFreq = options.minFreq ?? 1;
    if (!Number.isInteger(minFreq) || minFreq < 1)
      throw new Error(`Vocab.build: minFreq must be an integer >= 1, got ${minFreq}`);
    const maxSize = options.maxSize ?? Infinity;
    if (maxSize !== Infinity && (!Number.isInteger(maxSize) || maxSize < 0))
      throw new Error(`Vocab.build: maxSize must be a non-negative integer, got ${maxSize}`);
    const counts = new Map<string, number>();
    for (const sentence of sentences) {
      if (typeof sentence === "string")
        throw new Error("Vocab.build: expected token lists (string[][]), got a string; tokenize it first");
      for (const t of sentence) counts.set(t, (counts.get(t) ?? 0) + 1);
    }
    const entries = [...counts]
      .filter(([, f]) => f >= minFreq)
      .sort((a, b) => b[1] - a[1] || compareCodePoints(a[0], b[0]))
      .slice(0, maxSize);
    return new Vocab(resolveSpecials(options, "Vocab.build"), entries);
  }

  /** Number of tokens, special ones included. */
  get size(): number {
    return this.tokens.length;
  }

  /** The ids of the special tokens (`undefined` when left out). */
  get unkId(): number | undefined {
    return this.specialId(this.specials.unkToken);
  }
  get padId(): number | undefined {
    return this.specialId(this.specials.padToken);
  }
  get bosId(): number | undefined {
    return this.specialId(this.specials.bosToken);
  }
  get eosId(): number | undefined {
    return this.specialId(this.specials.eosToken);
  }

  /** The special tokens, as configured. */
  get specialTokens(): Readonly<ResolvedSpecials> {
    return this.specials;
  }

  private specialId(token: string | null): number | undefined {
    return token === null ? undefined : this.ids.get(token);
  }

  /** Whether `token` has its own id. */
  has(token: string): boolean {
    return this.ids.has(token);
  }

  /** The id of `token`; an unknown token gets the id of `unkToken`, or is an error when there is none. */
  tokenToId(token: string): number {
    const id = this.ids.get(token);
    if (id !== undefined) return id;
    const unk = this.unkId;
    if (unk === undefined)
      throw new Error(
        `Vocab.tokenToId: token ${JSON.stringify(token)} is not in the vocabulary (no unkToken)`,
      );
    return unk;
  }

  /** The token of `id`; an id outside [0, size) is an error. */
  idToToken(id: number): string {
    const t = this.tokens[id];
    if (t === undefined || !Number.isInteger(id))
      throw new Error(`Vocab.idToToken: id ${id} is not in [0, ${this.size})`);
    return t;
  }

  /** Ids of a token list. */
  encode(tokens: Iterable<string>): number[] {
    return Array.from(tokens, (t) => this.tokenToId(t));
  }

  /** Tokens of an id list. */
  decode(ids: Iterable<number>): string[] {
    return Array.from(ids, (id) => this.idToToken(id));
  }

  /** A JSON-serialisable description (specials, then the ordinary tokens with their frequencies, in id order). */
  toJSON(): { type: "Vocab"; specials: ResolvedSpecials; tokens: [string, number][] } {
    const reserved = new Set(reservedTokens(this.specials));
    const tokens = this.tokens
      .filter((t) => !reserved.has(t))
      .map((t): [string, number] => [t, this.frequencies.get(t) ?? 0]);
    return { type: "Vocab", specials: { ...this.specials }, tokens };
  }

  /** Rebuilds a vocabulary from `toJSON()`'s output (same ids). */
  static fromJSON(json: unknown): Vocab {
    const obj = expectType(json, "Vocab", "Vocab.fromJSON");
    const tokens = obj.tokens;
    if (
      !Array.isArray(tokens) ||
      !tokens.every((e) => Array.isArray(e) && typeof e[0] === "string" && typeof e[1] === "number")
    )
      throw new Error("Vocab.fromJSON: `tokens` must be an array of [token, frequency] pairs");
    const specials = (obj.specials ?? {}) as SpecialTokens;
    return new Vocab(resolveSpecials(specials, "Vocab.fromJSON"), tokens as [string, number][]);
  }

  /** Saves the vocabulary as JSON. */
  save(file: string): void {
    writeJson(file, this.toJSON(), "Vocab.save");
  }

  /** Loads a vocabulary saved by `save()`. */
  static load(file: string): Vocab {
    return loadJson(file, "Vocab.load", (json) => Vocab.fromJSON(json));
  }
}

/** The special tokens in id order: unk, pad, bos, eos (those not null), then the additional ones. */
function reservedTokens(s: ResolvedSpecials): string[] {
  return [s.unkToken, s.padToken, s.bosToken, s.eosToken]
    .filter((t): t is string => t !== null)
    .concat(s.additionalSpecialTokens);
}

/** Fills in the default special tokens and checks their types. */
export function resolveSpecials(options: SpecialTokens, where: string): ResolvedSpecials {
  const pick = (value: string | null | undefined, fallback: string, name: string): string | null => {
    if (value === undefined) return fallback;
    if (value !== null && (typeof value !== "string" || value === ""))
      throw new Error(`${where}: ${name} must be a non-empty string or null, got ${JSON.stringify(value)}`);
    return value;
  };
  const extra = options.additionalSpecialTokens ?? [];
  if (!Array.isArray(extra) || !extra.every((t) => typeof t === "string" && t !== ""))
    throw new Error(`${where}: additionalSpecialTokens must be an array of non-empty strings`);
  return {
    unkToken: pick(options.unkToken, "<unk>", "unkToken"),
    padToken: pick(options.padToken, "<pad>", "padToken"),
    bosToken: pick(options.bosToken, "<bos>", "bosToken"),
    eosToken: pick(options.eosToken, "<eos>", "eosToken"),
    additionalSpecialTokens: [...extra],
  };
}
