/**
 * Data for the language-model training programs: makemore's names (words with '.' as start and end token,
 * an 80/10/10 split after a seeded shuffle) and character streams of text (d2l's Time Machine, tiny
 * Shakespeare, any file), cut into windows for truncated backpropagation through time.
 */
import { existsSync } from "node:fs";
import * as path from "node:path";
import { Tensor } from "../tensor/tensor.js";
import { Generator } from "../tensor/random.js";
import { CharTokenizer } from "../text/tokenizers/char-tokenizer.js";
import { datasetDir, readText } from "../io/files.js";

/** Fisher–Yates in place with `gen`, the loop of Python's random.shuffle. */
export function shuffleInPlace<T>(items: T[], gen: Generator): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = gen.randint(0, i + 1);
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

export interface NamesData {
  /** '.' (id 0, start and end of every word) and the letters, sorted: makemore's stoi. */
  tokenizer: CharTokenizer;
  all: string[];
  train: string[];
  dev: string[];
  test: string[];
}

/**
 * makemore's names, split as in the Zero to Hero lectures: shuffle with a fixed seed, then the first 80%
 * train, the next 10% dev, the last 10% test. `file` defaults to the shipped data/names/names.txt.
 */
export function loadNames(file = "", seed = 42): NamesData {
  const f = file || path.join(datasetDir("names"), "names.txt");
  if (!existsSync(f)) throw new Error(`loadNames: no names file at ${path.resolve(f)}`);
  const all = readText(f)
    .split("\n")
    .map((w) => w.trim())
    .filter((w) => w.length > 0);
  if (all.length < 10)
    throw new Error(`loadNames: ${f} has ${all.length} names; need at least 10 for a split`);
  for (const w of all)
    if (w.includes("."))
      throw new Error(`loadNames: the name ${JSON.stringify(w)} in ${f} contains '.', the start/end token`);
  const letters = [...new Set(all.join(""))].sort();
  const tokenizer = new CharTokenizer([".", ...letters]);
  const words = shuffleInPlace(all.slice(), new Generator(seed));
  const n1 = Math.floor(0.8 * words.length);
  const n2 = Math.floor(0.9 * words.length);
  return { tokenizer, all, train: words.slice(0, n1), dev: words.slice(n1, n2), test: words.slice(n2) };
}

/** A word as token ids with the start/end token around it: "emma" -> [0, e, m, m, a, 0]. */
export function wordIds(tok: CharTokenizer, word: string): number[] {
  return [0, ...tok.encode(word), 0];
}

/**
 * The lecture's dataset: for each position of each word, the blockSize previous tokens (padded with '.')
 * and the next token. X: (N, blockSize) int32, Y: (N) int32.
 */
export function contextExamples(
  tok: CharTokenizer,
  words: string[],
  blockSize: number,
): { X: Tensor; Y: Tensor } {
  const xs: number[] = [];
  const ys: number[] = [];
  for (const w of words) {
    const ctx = new Array<number>(blockSize).fill(0);
    for (const id of [...tok.encode(w), 0]) {
      xs.push(...ctx);
      ys.push(id);
      ctx.shift();
      ctx.push(id);
    }
  }
  return {
    X: new Tensor(Int32Array.from(xs), [ys.length, blockSize]),
    Y: new Tensor(Int32Array.from(ys), [ys.length]),
  };
}

/**
 * Words as a padded batch, makemore.py's layout: x = [0, w...] padded with 0, y = [w..., 0] padded with -1
 * (ignored by the loss). Both (B, L) with L the longest word + 1.
 */
export function wordBatch(tok: CharTokenizer, words: string[]): { x: Tensor; y: Tensor } {
  const ids = words.map((w) => tok.encode(w));
  const L = Math.max(...ids.map((w) => w.length)) + 1;
  const x = new Int32Array(words.length * L);
  const y = new Int32Array(words.length * L).fill(-1);
  ids.forEach((w, b) => {
    x.set(w, b * L + 1);
    y.set(w, b * L);
    y[b * L + w.length] = 0;
  });
  return { x: new Tensor(x, [words.length, L]), y: new Tensor(y, [words.length, L]) };
}

/** d2l's Time Machine preprocessing: every run of non-letters becomes one space, then lowercase. */
export function timeMachineText(raw: string): string {
  return raw.replace(/[^A-Za-z]+/g, " ").toLowerCase();
}

/** A corpus by name ("timemachine", "shakespeare") or file path, preprocessed for its kind. */
export function loadCorpus(data: string): { name: string; text: string } {
  if (data === "timemachine")
    return {
      name: "The Time Machine",
      text: timeMachineText(readText(path.join(datasetDir("timemachine"), "timemachine.txt"))),
    };
  if (data === "shakespeare" || data === "tinyshakespeare")
    return {
      name: "tiny Shakespeare",
      text: readText(path.join(datasetDir("tinyshakespeare"), "input.txt")),
    };
  if (!existsSync(data))
    throw new Error(
      `loadCorpus: "${data}" is neither "timemachine", "shakespeare" nor an existing text file`,
    );
  return { name: path.basename(data), text: readText(data) };
}

/**
 * d2l's windows: every offset i gives x = ids[i : i+T], y = ids[i+1 : i+T+1]. The first numTrain offsets
 * are the training set, the next numVal the validation set (d2l.TimeMachine's num_train and num_val).
 */
export function windowSplit(
  ids: Int32Array,
  T: number,
  numTrain: number,
  numVal: number,
): { train: Int32Array; val: Int32Array } {
  const windows = ids.length - T;
  if (numTrain + numVal > windows)
    throw new RangeError(
      `windowSplit: ${numTrain} + ${numVal} windows of ${T} tokens do not fit in ${ids.length} tokens (${windows} windows)`,
    );
  const offsets = Int32Array.from({ length: numTrain + numVal }, (_, i) => i);
  return { train: offsets.subarray(0, numTrain), val: offsets.subarray(numTrain) };
}

/** The windows at the given offsets as a batch: x, y (B, T). */
export function windowsAt(ids: Int32Array, offsets: ArrayLike<number>, T: number): { x: Tensor; y: Tensor } {
  const B = offsets.length;
  const x = new Int32Array(B * T);
  const y = new Int32Array(B * T);
  for (let b = 0; b < B; b++) {
    const i = offsets[b];
    x.set(ids.subarray(i, i + T), b * T);
    y.set(ids.subarray(i + 1, i + T + 1), b * T);
  }
  return { x: new Tensor(x, [B, T]), y: new Tensor(y, [B, T]) };
}

/**
 * Truncated-BPTT batches over a token stream: the stream is cut into B parallel rows of equal length, and
 * batch k is columns [k·T, (k+1)·T) of every row (targets shifted by one). Consecutive batches continue
 * each row, so the recurrent state carries over from one batch to the next (char-rnn, d2l's sequential
 * iterator). `offset` (< T) shifts the start, to vary the cuts between epochs.
 */
export function streamBatches(ids: Int32Array, B: number, T: number, offset = 0): { x: Tensor; y: Tensor }[] {
  const rowLen = Math.floor((ids.length - offset - 1) / B);
  const n = Math.floor(rowLen / T);
  if (n < 1)
    throw new RangeError(`streamBatches: ${ids.length} tokens are too few for ${B} rows of windows of ${T}`);
  const out: { x: Tensor; y: Tensor }[] = [];
  for (let k = 0; k < n; k++) {
    const x = new Int32Array(B * T);
    const y = new Int32Array(B * T);
    for (let b = 0; b < B; b++) {
      const start = offset + b * rowLen + k * T;
      x.set(ids.subarray(start, start + T), b * T);
      y.set(ids.subarray(start + 1, start + T + 1), b * T);
    }
    out.push({ x: new Tensor(x, [B, T]), y: new Tensor(y, [B, T]) });
  }
  return out;
}
