/**
 * Evaluating word vectors as gensim's KeyedVectors does: analogy accuracy on Mikolov's `questions-words.txt`
 * (3CosAdd, by section) and correlation with human judgements on WordSim-353-style pair files.
 */
import { existsSync, readFileSync } from "node:fs";
import { Tensor } from "../../tensor/tensor.js";
import type { KeyedVectors } from "./vectors.js";

export interface AnalogyOptions {
  /** Only the this many most frequent words are answers or questions (default 300000, as gensim). */
  restrictVocab?: number;
  /** Compare words in upper case, so "Paris" answers "paris" (default true, as gensim). */
  caseInsensitive?: boolean;
  /** Count questions with unknown words as wrong instead of leaving them out (default false). */
  dummy4unknown?: boolean;
}

export interface AnalogySection {
  section: string;
  correct: number;
  incorrect: number;
  /** correct / (correct + incorrect); 0 for a section without an answerable question. */
  accuracy: number;
}

export interface AnalogyResult {
  /** Accuracy over every answered question (gensim's "Total accuracy"). */
  accuracy: number;
  sections: AnalogySection[];
  correct: number;
  incorrect: number;
  /** Questions left out because a word is not among the `restrictVocab` words. */
  oov: number;
  /** Questions read (answered and left out). */
  questions: number;
}

export interface PairsOptions {
  /** Column separator (default tab). */
  delimiter?: string;
  restrictVocab?: number;
  caseInsensitive?: boolean;
  /** Count pairs with unknown words with similarity 0 instead of leaving them out (default false). */
  dummy4unknown?: boolean;
}

export interface PairsResult {
  /** Spearman's ρ between the human scores and the cosine similarities (ties get average ranks). */
  spearman: number;
  /** Pearson's r between the same. */
  pearson: number;
  /** Pairs in the correlation (with dummy4unknown, the unknown ones too). */
  pairs: number;
  /** Pairs left out because a word is unknown. */
  oov: number;
  /** oov / (pairs + oov) in percent, as gensim reports it. */
  oovRatio: number;
}

/** Text given directly (it holds a newline) or read from a file. */
function readInput(pathOrText: string, where: string): string {
  if (typeof pathOrText !== "string") throw new Error(`${where}: expected a file path or the file's text`);
  if (pathOrText.includes("\n")) return pathOrText;
  if (!existsSync(pathOrText)) throw new Error(`${where}: no file ${pathOrText}`);
  return readFileSync(pathOrText, "utf8");
}

/** The allowed words under their compared form, the most frequent spelling first. */
function okVocab(kv: KeyedVectors, restrict: number, caseInsensitive: boolean): Map<string, number> {
  const ok = new Map<string, number>();
  for (let i = Math.min(restrict, kv.size) - 1; i >= 0; i--)
    ok.set(caseInsensitive ? kv.indexToKey[i].toUpperCase() : kv.indexToKey[i], i);
  return ok;
}

/**
 * Answers each question "a b c d" (a is to b as c is to d) with the word closest to b − a + c among the
 * `restrictVocab` most frequent words, other than a, b and c (gensim's `evaluate_word_analogies`). Lines
 * starting with ": " open a section; malformed lines are skipped.
 * @example
 * w2v.evaluateWordAnalogies("data/word-analogy/questions-words.txt").accuracy; // e.g. 0.31
 */
export function evaluateWordAnalogies(
  kv: KeyedVectors,
  pathOrText: string,
  options: AnalogyOptions = {},
): AnalogyResult {
  const where = "evaluateWordAnalogies";
  const { restrictVocab = 300000, caseInsensitive = true, dummy4unknown = false } = options;
  const text = readInput(pathOrText, where);
  const ok = okVocab(kv, restrictVocab, caseInsensitive);
  const norm = (w: string) => (caseInsensitive ? w.toUpperCase() : w);
  const sections: AnalogySection[] = [];
  const questions: { section: AnalogySection; a: number; b: number; c: number; expected: string }[] = [];
  let section: AnalogySection | null = null;
  let oov = 0;
  let read = 0;
  text.split("\n").forEach((raw, lineNo) => {
    const line = raw.trim();
    if (raw.startsWith(": ")) {
      section = { section: line.replace(/^:\s*/, ""), correct: 0, incorrect: 0, accuracy: 0 };
      sections.push(section);
      return;
    }
    const words = line.split(/\s+/).filter(Boolean);
    if (words.length === 0) return;
    if (section === null)
      throw new Error(`${where}: line ${lineNo + 1} comes before the first ": section" header`);
    if (words.length !== 4) return;
    read++;
    const [a, b, c, expected] = words.map(norm);
    const ids = [a, b, c, expected].map((w) => ok.get(w));
    if (ids.some((i) => i === undefined)) {
      oov++;
      if (dummy4unknown) (section as AnalogySection).incorrect++;
      return;
    }
    questions.push({ section, a: ids[0]!, b: ids[1]!, c: ids[2]!, expected });
  });
  const answers = answerAnalogies(kv, questions, Math.min(restrictVocab, kv.size));
  questions.forEach((q, i) => {
    const predicted = norm(kv.indexToKey[answers[i]] ?? "");
    if (answers[i] >= 0 && predicted === q.expected) q.section.correct++;
    else q.section.incorrect++;
  });
  let correct = 0;
  let incorrect = 0;
  for (const s of sections) {
    s.accuracy = s.correct + s.incorrect > 0 ? s.correct / (s.correct + s.incorrect) : 0;
    correct += s.correct;
    incorrect += s.incorrect;
  }
  const accuracy = correct + incorrect > 0 ? correct / (correct + incorrect) : 0;
  return { accuracy, sections, correct, incorrect, oov, questions: read };
}

/**
 * For each question the index of the best word by 3CosAdd, skipping words whose compared form is a, b or c;
 * scores come from one matrix product per block of questions.
 */
function answerAnalogies(
  kv: KeyedVectors,
  questions: { a: number; b: number; c: number }[],
  restrict: number,
): Int32Array {
  const d = kv.vectorSize;
  const n = kv.normed();
  const upper = kv.indexToKey.map((w) => w.toUpperCase());
  const vocab = new Tensor(n, [restrict, d]).T; // (d, restrict)
  const out = new Int32Array(questions.length).fill(-1);
  const block = 256;
  for (let start = 0; start < questions.length; start += block) {
    const qs = questions.slice(start, start + block);
    const q = new Float32Array(qs.length * d);
    qs.forEach(({ a, b, c }, r) => {
      let ss = 0;
      for (let k = 0; k < d; k++) {
        const v = n[b * d + k] + n[c * d + k] - n[a * d + k];
        q[r * d + k] = v;
        ss += v * v;
      }
      const inv = ss > 0 ? 1 / Math.sqrt(ss) : 0;
      for (let k = 0; k < d; k++) q[r * d + k] *= inv;
    });
    const scores = new Tensor(q, [qs.length, d]).matmul(vocab).toArray(); // (block, restrict)
    qs.forEach(({ a, b, c }, r) => {
      const skip = new Set([
        upper[a],
        upper[b],
        upper[c],
        kv.indexToKey[a],
        kv.indexToKey[b],
        kv.indexToKey[c],
      ]);
      let best = -1;
      let bestScore = -Infinity;
      for (let i = 0; i < restrict; i++) {
        const s = scores[r * restrict + i];
        if (s > bestScore && !skip.has(upper[i]) && !skip.has(kv.indexToKey[i])) {
          best = i;
          bestScore = s;
        }
      }
      out[start + r] = best;
    });
  }
  return out;
}

/**
 * Correlation of the cosine similarity of each pair "word1 word2 score" with its human score (gensim's
 * `evaluate_word_pairs`). Lines starting with "#" and malformed lines are skipped; pairs with a word outside
 * the `restrictVocab` most frequent are left out and counted.
 * @example
 * w2v.evaluateWordPairs("wordsim353.tsv"); // { spearman: 0.62, pearson: 0.60, pairs: 330, oov: 23, ... }
 */
export function evaluateWordPairs(
  kv: KeyedVectors,
  pathOrText: string,
  options: PairsOptions = {},
): PairsResult {
  const where = "evaluateWordPairs";
  const { delimiter = "\t", restrictVocab = 300000, caseInsensitive = true, dummy4unknown = false } = options;
  const text = readInput(pathOrText, where);
  const ok = okVocab(kv, restrictVocab, caseInsensitive);
  const n = kv.normed();
  const d = kv.vectorSize;
  const gold: number[] = [];
  const model: number[] = [];
  let oov = 0;
  for (const raw of text.split("\n")) {
    const line = raw.replace(/\r$/, "");
    if (line.trim() === "" || line.startsWith("#")) continue;
    const parts = line.split(delimiter);
    if (parts.length !== 3) continue;
    const score = Number(parts[2].trim());
    if (parts[2].trim() === "" || !Number.isFinite(score)) continue;
    const [a, b] = [parts[0], parts[1]].map((w) => ok.get(caseInsensitive ? w.toUpperCase() : w));
    if (a === undefined || b === undefined) {
      oov++;
      if (dummy4unknown) {
        gold.push(score);
        model.push(0);
      }
      continue;
    }
    let dot = 0;
    for (let k = 0; k < d; k++) dot += n[a * d + k] * n[b * d + k];
    gold.push(score);
    model.push(dot);
  }
  if (gold.length < 2)
    throw new Error(`${where}: fewer than 2 pairs with known words (${oov} left out); cannot correlate`);
  return {
    spearman: spearman(gold, model),
    pearson: pearson(gold, model),
    pairs: gold.length,
    oov,
    oovRatio: (100 * oov) / (gold.length + oov),
  };
}

/** Pearson's correlation coefficient (NaN when either side is constant). */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  if (x.length !== y.length) throw new Error(`pearson: lengths differ (${x.length} and ${y.length})`);
  const n = x.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i] / n;
    my += y[i] / n;
  }
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

/** Spearman's rank correlation: Pearson's r of the ranks, ties sharing their average rank (as scipy). */
export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): number {
  return pearson(ranks(x), ranks(y));
}

function ranks(v: ArrayLike<number>): Float64Array {
  const order = Array.from({ length: v.length }, (_, i) => i).sort((a, b) => v[a] - v[b]);
  const r = new Float64Array(v.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && v[order[j + 1]] === v[order[i]]) j++;
    for (let k = i; k <= j; k++) r[order[k]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return r;
}
