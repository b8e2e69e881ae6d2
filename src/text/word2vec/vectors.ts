/**
 * Word vectors and the questions one asks them (gensim's KeyedVectors): nearest neighbours by cosine,
 * analogies by 3CosAdd, evaluation on analogy and word-similarity sets, and the word2vec text format.
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { MAX_TEXT_BYTES } from "../../io/files.js";
import { parseWord2VecBinary, word2vecBinary } from "./binary-format.js";
import {
  evaluateWordAnalogies,
  evaluateWordPairs,
  type AnalogyOptions,
  type AnalogyResult,
  type PairsOptions,
  type PairsResult,
} from "./eval-words.js";

/** A neighbour of a query and its cosine similarity. */
export interface SimilarWord {
  word: string;
  similarity: number;
}

/** The query of `mostSimilar`: a word, words to add, or words to add and subtract (gensim's positive/negative). */
export type SimilarityQuery = string | string[] | { positive?: string[]; negative?: string[] };

/**
 * Words and their vectors, most frequent word first.
 * @example
 * const kv = gs.text.KeyedVectors.load("vectors.txt");
 * kv.mostSimilar("king", 3);                                           // [{ word: "prince", similarity: 0.71 }, ...]
 * kv.mostSimilar({ positive: ["king", "woman"], negative: ["man"] }, 1); // 3CosAdd: [{ word: "queen", ... }]
 */
export class KeyedVectors {
  readonly indexToKey: string[];
  readonly keyToIndex: Map<string, number>;
  /** V × vectorSize, row-major; training updates it in place. */
  readonly vectors: Float32Array;
  readonly vectorSize: number;
  private norms: Float32Array | null = null;

  constructor(words: string[], vectors: Float32Array, vectorSize: number) {
    if (!Number.isInteger(vectorSize) || vectorSize < 1)
      throw new Error(`KeyedVectors: vectorSize must be a positive integer, got ${vectorSize}`);
    if (vectors.length !== words.length * vectorSize)
      throw new Error(
        `KeyedVectors: ${words.length} words of size ${vectorSize} need ${words.length * vectorSize} numbers, got ${vectors.length}`,
      );
    this.indexToKey = words;
    this.keyToIndex = new Map(words.map((w, i) => [w, i]));
    if (this.keyToIndex.size !== words.length) throw new Error("KeyedVectors: the words must be distinct");
    this.vectors = vectors;
    this.vectorSize = vectorSize;
  }

  /** The number of words. */
  get size(): number {
    return this.indexToKey.length;
  }

  has(word: string): boolean {
    return this.keyToIndex.has(word);
  }

  /** The row of `word`; an unknown word is an error that names it. */
  getIndex(word: string, where = "KeyedVectors.getIndex"): number {
    const i = this.keyToIndex.get(word);
    if (i === undefined)
      throw new Error(`${where}: word "${word}" is not in the vocabulary (${this.size} words)`);
    return i;
  }

  /** A copy of the vector of `word` (unit length with `norm`). */
  getVector(word: string, options: { norm?: boolean } = {}): Float32Array {
    const i = this.getIndex(word, "KeyedVectors.getVector");
    const d = this.vectorSize;
    const src = options.norm ? this.normed() : this.vectors;
    return src.slice(i * d, (i + 1) * d);
  }

  /** The vectors scaled to unit length (computed once, until `resetNorms`). */
  normed(): Float32Array {
    if (this.norms !== null) return this.norms;
    const d = this.vectorSize;
    const v = this.vectors;
    const out = new Float32Array(v.length);
    for (let i = 0; i < this.size; i++) {
      let ss = 0;
      for (let c = 0; c < d; c++) ss += v[i * d + c] * v[i * d + c];
      const inv = ss > 0 ? 1 / Math.sqrt(ss) : 0;
      for (let c = 0; c < d; c++) out[i * d + c] = v[i * d + c] * inv;
    }
    return (this.norms = out);
  }

  /** Forgets the unit vectors after the vectors changed (training calls it). */
  resetNorms(): void {
    this.norms = null;
  }

  /** Cosine similarity of two words. */
  similarity(a: string, b: string): number {
    const d = this.vectorSize;
    const ia = this.getIndex(a, "KeyedVectors.similarity") * d;
    const ib = this.getIndex(b, "KeyedVectors.similarity") * d;
    const n = this.normed();
    let dot = 0;
    for (let c = 0; c < d; c++) dot += n[ia + c] * n[ib + c];
    return dot;
  }

  /**
   * The `topn` words closest (cosine) to the mean of the unit vectors of the positive words minus the negative
   * ones, leaving out the query words: gensim's `most_similar`, which is 3CosAdd for analogies. Only the
   * `restrictVocab` most frequent words are candidates (default all).
   */
  mostSimilar(query: SimilarityQuery, topn = 10, options: { restrictVocab?: number } = {}): SimilarWord[] {
    const where = "KeyedVectors.mostSimilar";
    const { positive, negative } =
      typeof query === "string"
        ? { positive: [query], negative: [] }
        : Array.isArray(query)
          ? { positive: query, negative: [] }
          : { positive: query.positive ?? [], negative: query.negative ?? [] };
    if (positive.length + negative.length === 0) throw new Error(`${where}: the query holds no word`);
    if (!Number.isInteger(topn) || topn < 0)
      throw new Error(`${where}: topn must be a non-negative integer, got ${topn}`);
    const d = this.vectorSize;
    const n = this.normed();
    const mean = new Float64Array(d);
    const exclude = new Set<number>();
    for (const [words, sign] of [
      [positive, 1],
      [negative, -1],
    ] as const) {
      for (const w of words) {
        const i = this.getIndex(w, where);
        exclude.add(i);
        for (let c = 0; c < d; c++) mean[c] += sign * n[i * d + c];
      }
    }
    let ss = 0;
    for (let c = 0; c < d; c++) ss += mean[c] * mean[c];
    const inv = ss > 0 ? 1 / Math.sqrt(ss) : 0;
    const limit = Math.min(this.size, options.restrictVocab ?? this.size);
    const best: SimilarWord[] = [];
    for (let i = 0; i < limit; i++) {
      if (exclude.has(i)) continue;
      let dot = 0;
      for (let c = 0; c < d; c++) dot += n[i * d + c] * mean[c];
      const sim = dot * inv;
      if (best.length === topn && !(sim > best[topn - 1].similarity)) continue;
      let k = best.length === topn ? topn - 1 : best.length;
      best[k] = { word: this.indexToKey[i], similarity: sim };
      while (k > 0 && best[k - 1].similarity < sim) {
        [best[k - 1], best[k]] = [best[k], best[k - 1]];
        k--;
      }
    }
    return best;
  }

  /** Accuracy on a `questions-words.txt`-style analogy file (a path, or the text itself); see eval-words.ts. */
  evaluateWordAnalogies(pathOrText: string, options: AnalogyOptions = {}): AnalogyResult {
    return evaluateWordAnalogies(this, pathOrText, options);
  }

  /** Correlation with human similarity scores (WordSim-353 format, a path or the text); see eval-words.ts. */
  evaluateWordPairs(pathOrText: string, options: PairsOptions = {}): PairsResult {
    return evaluateWordPairs(this, pathOrText, options);
  }

  /** The word2vec text format: a "count size" line, then one "word v1 v2 ..." line per word. */
  toText(): string {
    const d = this.vectorSize;
    const lines = [`${this.size} ${d}`];
    const row = new Array<string>(d);
    for (let i = 0; i < this.size; i++) {
      for (let c = 0; c < d; c++) row[c] = float32Text(this.vectors[i * d + c]);
      lines.push(`${this.indexToKey[i]} ${row.join(" ")}`);
    }
    return lines.join("\n") + "\n";
  }

  /** The binary format of word2vec.c and gensim's `binary=True` (see binary-format.ts). */
  toBinary(): Uint8Array {
    return word2vecBinary({ words: this.indexToKey, vectors: this.vectors, size: this.vectorSize });
  }

  /**
   * Writes the word2vec text format (or the binary one with `binary: true`) to `path`, through a
   * temporary file, so a failed write leaves no half file.
   */
  save(path: string, options: { binary?: boolean } = {}): void {
    const format = options.binary ? "binary" : "text";
    for (const w of this.indexToKey)
      if (w === "" || /\s/.test(w))
        throw new Error(
          `KeyedVectors.save: word ${JSON.stringify(w)} is empty or holds whitespace; the ${format} format cannot store it`,
        );
    const tmp = `${path}.tmp-${process.pid}`;
    writeFileSync(tmp, options.binary ? this.toBinary() : this.toText());
    renameSync(tmp, path);
  }

  /** Reads vectors in the word2vec text format, or the binary one with `binary: true`. */
  static load(path: string, options: { binary?: boolean } = {}): KeyedVectors {
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(path);
    } catch (e) {
      throw new Error(`KeyedVectors.load: cannot read ${path}: ${(e as Error).message}`);
    }
    if (options.binary) return KeyedVectors.fromBinary(bytes, path);
    if (bytes.length > MAX_TEXT_BYTES)
      throw new Error(
        `KeyedVectors.load: ${path}: ${bytes.length} bytes are more than a string holds; save it with binary: true`,
      );
    return KeyedVectors.fromText(new TextDecoder().decode(bytes), path);
  }

  /** Parses the binary word2vec format; `source` names the input in errors. */
  static fromBinary(bytes: Uint8Array, source = "the bytes"): KeyedVectors {
    const { words, vectors, size } = parseWord2VecBinary(bytes, source);
    return new KeyedVectors(words, vectors, size);
  }

  /** Parses the word2vec text format; `source` names the input in errors. */
  static fromText(text: string, source = "the text"): KeyedVectors {
    const where = `KeyedVectors.load(${source})`;
    const lines = text.split("\n");
    const header = lines[0].trim().split(/\s+/).map(Number);
    if (header.length !== 2 || !header.every((v) => Number.isInteger(v) && v >= 0) || header[1] === 0)
      throw new Error(
        `${where}: the first line must be "<word count> <vector size>", got ${JSON.stringify(lines[0].slice(0, 80))}`,
      );
    const [count, d] = header;
    // A header promising more than the text holds is an error before count × d floats are allocated:
    // each word needs its own line, of d numbers of at least one digit and a space each.
    let held = 0;
    for (let l = 1; l < lines.length; l++) if (lines[l].trim() !== "") held++;
    if (held < count) throw new Error(`${where}: the header promises ${count} words, the file holds ${held}`);
    if (count * (2 * d + 1) > text.length)
      throw new Error(
        `${where}: the first line promises ${count} words of ${d} numbers, more than the text's ${text.length} characters can hold`,
      );
    const words: string[] = [];
    const lineOf = new Map<string, number>();
    const vectors = new Float32Array(count * d);
    for (let l = 1; l < lines.length && words.length < count; l++) {
      const line = lines[l].trimEnd();
      if (line === "") continue;
      const parts = line.split(" ");
      if (parts.length !== d + 1)
        throw new Error(
          `${where}: line ${l + 1} has ${parts.length - 1} numbers after the word, expected ${d}`,
        );
      const i = words.length;
      if (lineOf.has(parts[0]))
        throw new Error(
          `${where}: line ${l + 1}: the word ${JSON.stringify(parts[0])} is already on line ${lineOf.get(parts[0])}`,
        );
      lineOf.set(parts[0], l + 1);
      for (let c = 0; c < d; c++) {
        const v = Number(parts[c + 1]);
        if (!Number.isFinite(v) || parts[c + 1] === "")
          throw new Error(`${where}: line ${l + 1}: ${JSON.stringify(parts[c + 1])} is not a number`);
        vectors[i * d + c] = v;
      }
      words.push(parts[0]);
    }
    if (words.length !== count)
      throw new Error(`${where}: the header promises ${count} words, the file holds ${words.length}`);
    return new KeyedVectors(words, vectors, d);
  }
}

/** The shortest decimal that reads back as the same float32 (like numpy's repr of a float32). */
function float32Text(v: number): string {
  for (let p = 6; p < 9; p++) {
    const s = v.toPrecision(p);
    if (Math.fround(Number(s)) === v) return String(Number(s));
  }
  return String(Number(v.toPrecision(9)));
}
