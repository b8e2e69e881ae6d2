/**
 * Parallel corpora for translation: the tab-separated Tatoeba `fra.txt` (d2l's fra-eng; the files of
 * Multi30k, WMT and Tatoeba are read by readers.ts), d2l's preprocessing, and batches of padded id
 * sequences grouped by length (bucketing) with their padding masks.
 */
import { Tensor } from "../tensor/tensor.js";
import { defaultGenerator, type Generator } from "../tensor/random.js";

/** Source and target sentences, aligned by index. */
export interface ParallelText {
  src: string[];
  tgt: string[];
}

/**
 * Tatoeba pairs from text in the manythings.org format: `English<TAB>French[<TAB>attribution]` per line.
 * src is the first column, tgt the second; `maxExamples` stops early; `source` names the text in errors.
 */
export function parseTatoeba(
  text: string,
  opts: { maxExamples?: number } = {},
  source = "<text>",
  where = "parseTatoeba",
): ParallelText {
  const max = opts.maxExamples ?? Infinity;
  const out: ParallelText = { src: [], tgt: [] };
  // Line by line with indexOf: d2l-sized subsets stop after a few hundred of the 167k lines.
  for (let start = 0, lineNo = 1; start < text.length && out.src.length < max; lineNo++) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end).replace(/\r$/, "");
    start = end + 1;
    if (line.trim() === "") continue;
    const parts = line.split("\t");
    if (parts.length < 2)
      throw new Error(
        `${where}: ${source}: line ${lineNo} has no tab; expected "source<TAB>target[<TAB>attribution]"`,
      );
    out.src.push(parts[0]);
    out.tgt.push(parts[1]);
  }
  if (out.src.length === 0) throw new Error(`${where}: ${source} holds no sentence pairs`);
  return out;
}

/**
 * d2l's preprocess_nmt: non-breaking spaces become spaces, the text is lowercased, and a space goes
 * before each of `, . ! ?` that follows a non-space.
 * @example gs.data.preprocessNmt("Va\u202f!"); // "va !"
 */
export function preprocessNmt(text: string): string {
  const t = text.replace(/[\u202f\u00a0]/g, " ").toLowerCase();
  let out = "";
  for (let i = 0; i < t.length; i++) out += i > 0 && ",.!?".includes(t[i]) && t[i - 1] !== " " ? " " + t[i] : t[i];
  return out;
}

/** d2l's tokenisation of preprocessed text: split on spaces, drop empty tokens. */
export function splitSpaces(text: string): string[] {
  return text.split(" ").filter((t) => t !== "");
}

/** A word is letters/digits joined by apostrophes or hyphens ("man's", "t-shirt"); other symbols stand alone. */
const MT_TOKEN = /[\p{L}\p{N}_]+(?:['’-][\p{L}\p{N}_]+)*|[^\s\p{L}\p{N}_]/gu;

/**
 * Splits a sentence into words and punctuation (lowercased by default): the word-level tokenizer used
 * for Multi30k in place of spaCy's.
 * @example gs.data.tokenizeSentence("Ein Mann fährt Fahrrad."); // ["ein", "mann", "fährt", "fahrrad", "."]
 */
export function tokenizeSentence(text: string, opts: { lowercase?: boolean } = {}): string[] {
  const t = (opts.lowercase ?? true) ? text.toLowerCase() : text;
  return t.match(MT_TOKEN) ?? [];
}

/** Joins tokens into text: spaces, except before closing punctuation. */
export function detokenize(tokens: readonly string[]): string {
  return tokens.join(" ").replace(/ ([.,!?;:)])/g, "$1").replace(/\( /g, "(");
}

/** A padded batch of id sequences. */
export interface PaddedBatch {
  /** (B, L) int32, padded with padId after each sequence. */
  ids: Tensor;
  lengths: Int32Array;
  /** (B, L) bool, true at padding: the keyPaddingMask of attention. */
  paddingMask: Tensor;
}

/**
 * Pads sequences to the longest one (or `length`) and gives their padding mask.
 * @example const { ids, paddingMask } = gs.data.padSequences([[5, 6, 7], [8]], 1); // ids [[5,6,7],[8,1,1]]
 */
export function padSequences(
  seqs: readonly ArrayLike<number>[],
  padId: number,
  opts: { length?: number } = {},
): PaddedBatch {
  if (seqs.length === 0) throw new RangeError("padSequences: no sequences");
  const longest = Math.max(...seqs.map((s) => s.length));
  const L = opts.length ?? longest;
  if (L < longest)
    throw new RangeError(`padSequences: length ${L} is shorter than the longest sequence (${longest})`);
  const ids = new Int32Array(seqs.length * L).fill(padId);
  const mask = new Uint8Array(seqs.length * L).fill(1); // bool storage: 1 = padding
  const lengths = new Int32Array(seqs.length);
  seqs.forEach((s, b) => {
    lengths[b] = s.length;
    for (let t = 0; t < s.length; t++) {
      ids[b * L + t] = s[t];
      mask[b * L + t] = 0;
    }
  });
  return { ids: new Tensor(ids, [seqs.length, L]), lengths, paddingMask: new Tensor(mask, [seqs.length, L]) };
}

/** A source/target pair of id sequences; tgt holds <bos> ... <eos>. */
export interface TranslationExample {
  src: Int32Array;
  tgt: Int32Array;
}

/**
 * Many example pairs in two flat buffers. A corpus held as one typed array per sentence is ~10^5 small
 * objects that every full collection of V8 must visit, and tensor allocation triggers many of those
 * per training step (29k Multi30k pairs cost 20 ms each time); packed, they cost nothing.
 * @example const pairs = gs.data.PackedPairs.from(examples); const { src, tgt } = pairs.get(0);
 */
export class PackedPairs {
  /** src of pair i is ids[bounds[2i] .. bounds[2i+1]), its tgt ids[bounds[2i+1] .. bounds[2i+2]). */
  private constructor(
    private readonly ids: Int32Array,
    private readonly bounds: Int32Array,
  ) {}

  static from(pairs: Iterable<TranslationExample>): PackedPairs {
    const list = [...pairs];
    const bounds = new Int32Array(2 * list.length + 1);
    list.forEach((e, i) => {
      bounds[2 * i + 1] = bounds[2 * i] + e.src.length;
      bounds[2 * i + 2] = bounds[2 * i + 1] + e.tgt.length;
    });
    const ids = new Int32Array(bounds[2 * list.length]);
    list.forEach((e, i) => {
      ids.set(e.src, bounds[2 * i]);
      ids.set(e.tgt, bounds[2 * i + 1]);
    });
    return new PackedPairs(ids, bounds);
  }

  get length(): number {
    return (this.bounds.length - 1) / 2;
  }

  /** Pair i as views into the buffer (not copies). */
  get(i: number): TranslationExample {
    if (!Number.isInteger(i) || i < 0 || i >= this.length)
      throw new RangeError(`PackedPairs.get: index ${i} out of range for ${this.length} pairs`);
    const b = this.bounds;
    return { src: this.ids.subarray(b[2 * i], b[2 * i + 1]), tgt: this.ids.subarray(b[2 * i + 1], b[2 * i + 2]) };
  }

  srcLength(i: number): number {
    return this.bounds[2 * i + 1] - this.bounds[2 * i];
  }

  tgtLength(i: number): number {
    return this.bounds[2 * i + 2] - this.bounds[2 * i + 1];
  }
}

/** A training batch: padded sources, decoder inputs tgt[:-1] and labels tgt[1:] (padding = padId). */
export interface TranslationBatch {
  src: Tensor;
  srcLengths: Int32Array;
  /** (B, S) bool, true at padding. */
  srcPaddingMask: Tensor;
  /** (B, T) decoder input: <bos> y1 ... yn (padded). */
  tgtIn: Tensor;
  /** (B, T) labels: y1 ... yn <eos> (padded with padId, to be ignored by the loss). */
  tgtOut: Tensor;
  /** (B, T) bool, true at padding of tgtIn. */
  tgtPaddingMask: Tensor;
  /** Number of label tokens that are not padding. */
  numTokens: number;
}

/** Collates examples into a TranslationBatch. */
export function translationBatch(examples: readonly TranslationExample[], padId: number): TranslationBatch {
  const src = padSequences(
    examples.map((e) => e.src),
    padId,
  );
  const tgtIn = padSequences(
    examples.map((e) => e.tgt.subarray(0, e.tgt.length - 1)),
    padId,
  );
  const tgtOut = padSequences(
    examples.map((e) => e.tgt.subarray(1)),
    padId,
  );
  return {
    src: src.ids,
    srcLengths: src.lengths,
    srcPaddingMask: src.paddingMask,
    tgtIn: tgtIn.ids,
    tgtOut: tgtOut.ids,
    tgtPaddingMask: tgtIn.paddingMask,
    numTokens: tgtOut.lengths.reduce((a, b) => a + b, 0),
  };
}

function shuffleInPlace<T>(xs: T[], g: Generator): void {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = g.randint(0, i + 1);
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
}

export interface BucketOptions {
  /** Sentences per batch (default 128). */
  batchSize?: number;
  /** Shuffle the pool and the batches (default true); otherwise batches follow sorted order. */
  shuffle?: boolean;
  /** Sort within pools of batchSize × poolFactor examples (default 100), as torchtext's BucketIterator. */
  poolFactor?: number;
  generator?: Generator;
}

/**
 * Groups example indices into batches of similar length, so little of each batch is padding: shuffle,
 * sort pools of `batchSize·poolFactor` examples by length, cut them into batches, shuffle the batches.
 * `lengths[i]` is the size of example i (e.g. source length · 1000 + target length).
 * @example for (const idx of gs.data.bucketBatches(lengths, { batchSize: 128 })) train(idx.map((i) => examples[i]));
 */
export function bucketBatches(lengths: readonly number[], opts: BucketOptions = {}): number[][] {
  const batchSize = opts.batchSize ?? 128;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError(`bucketBatches: batchSize must be a positive integer, got ${batchSize}`);
  const shuffle = opts.shuffle ?? true;
  const g = opts.generator ?? defaultGenerator;
  const order = lengths.map((_, i) => i);
  if (shuffle) shuffleInPlace(order, g);
  const pool = batchSize * (opts.poolFactor ?? 100);
  const batches: number[][] = [];
  for (let p = 0; p < order.length; p += pool) {
    const chunk = order.slice(p, p + pool).sort((a, b) => lengths[a] - lengths[b] || a - b);
    for (let i = 0; i < chunk.length; i += batchSize) batches.push(chunk.slice(i, i + batchSize));
  }
  if (shuffle) shuffleInPlace(batches, g);
  return batches;
}
