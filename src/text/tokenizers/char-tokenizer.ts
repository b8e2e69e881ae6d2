/** Character-level tokenizer: one id per distinct character, as in Karpathy's char-rnn, makemore and nanoGPT. */
import { expectType, loadJson, writeJson } from "./json-file.js";
import { compareCodePoints, describeChar } from "../unicode.js";

/**
 * Maps each character (Unicode code point) of a fixed alphabet to an id: the alphabet is sorted by code point,
 * so `stoi`/`itos` equal Python's `chars = sorted(list(set(text)))`.
 * @example
 * const tok = gs.text.CharTokenizer.fromText("hello world");
 * tok.encode("hell"); // [3, 2, 4, 4]
 * tok.decode([3, 2, 4, 4]); // "hell"
 */
export class CharTokenizer {
  /** The alphabet, id order (`itos`). */
  readonly chars: readonly string[];
  /** Character to id (`stoi`). */
  readonly stoi: ReadonlyMap<string, number>;

  /** A tokenizer over exactly these characters, in this order (each must be one code point, no duplicates). */
  constructor(chars: Iterable<string>) {
    const list = [...chars];
    const stoi = new Map<string, number>();
    for (const c of list) {
      if ([...c].length !== 1)
        throw new Error(`CharTokenizer: each entry must be one character, got ${JSON.stringify(c)}`);
      if (stoi.has(c)) throw new Error(`CharTokenizer: character ${describeChar(c)} appears twice`);
      stoi.set(c, stoi.size);
    }
    this.chars = list;
    this.stoi = stoi;
  }

  /** The sorted distinct characters of `text` (code points, so an emoji is one character). */
  static fromText(text: string | Iterable<string>): CharTokenizer {
    const seen = new Set<string>();
    for (const piece of typeof text === "string" ? [text] : text) for (const c of piece) seen.add(c);
    if (seen.size === 0)
      throw new Error("CharTokenizer.fromText: the text is empty, so there is no alphabet");
    return new CharTokenizer([...seen].sort(compareCodePoints));
  }

  /** Number of distinct characters. */
  get vocabSize(): number {
    return this.chars.length;
  }

  /** The id of each character; a character outside the alphabet is an error that names it and its position. */
  encode(text: string): number[] {
    const ids: number[] = [];
    let pos = 0;
    for (const c of text) {
      const id = this.stoi.get(c);
      if (id === undefined)
        throw new Error(
          `CharTokenizer.encode: character ${describeChar(c)} at position ${pos} is not in the vocabulary of ` +
            `${this.vocabSize} characters`,
        );
      ids.push(id);
      pos++;
    }
    return ids;
  }

  /** The characters of `ids`, joined; an id outside [0, vocabSize) is an error. */
  decode(ids: Iterable<number>): string {
    let out = "";
    for (const id of ids) {
      const c = this.chars[id];
      if (c === undefined || !Number.isInteger(id))
        throw new Error(`CharTokenizer.decode: id ${id} is not in [0, ${this.vocabSize})`);
      out += c;
    }
    return out;
  }

  /** A JSON-serialisable description: `{ type: "CharTokenizer", chars }`. */
  toJSON(): { type: "CharTokenizer"; chars: string[] } {
    return { type: "CharTokenizer", chars: [...this.chars] };
  }

  /** Rebuilds a tokenizer from `toJSON()`'s output. */
  static fromJSON(json: unknown): CharTokenizer {
    const obj = expectType(json, "CharTokenizer", "CharTokenizer.fromJSON");
    if (!Array.isArray(obj.chars) || !obj.chars.every((c) => typeof c === "string"))
      throw new Error("CharTokenizer.fromJSON: `chars` must be an array of strings");
    return new CharTokenizer(obj.chars as string[]);
  }

  /** Saves the alphabet as JSON. */
  save(file: string): void {
    writeJson(file, this.toJSON(), "CharTokenizer.save");
  }

  /** Loads a tokenizer saved by `save()`. */
  static load(file: string): CharTokenizer {
    return loadJson(file, "CharTokenizer.load", (json) => CharTokenizer.fromJSON(json));
  }
}
