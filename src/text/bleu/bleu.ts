/**
 * BLEU (Papineni et al., 2002): corpus BLEU computed the way sacreBLEU does (13a tokenisation, n-grams up
 * to 4, clipped counts, brevity penalty, geometric mean of the precisions, "exp" smoothing of zero
 * counts by default), and d2l's per-sentence BLEU.
 */

import { tokenize13a } from "./tokenize-13a.js";

export type SmoothMethod = "exp" | "none" | "floor" | "add-k";

export interface BleuOptions {
  /** "13a" (default, sacreBLEU's) or "none" (the text is already tokenised: split on whitespace). */
  tokenize?: "13a" | "none";
  lowercase?: boolean;
  /** How zero n-gram matches are smoothed (default "exp", as sacreBLEU; "none" gives 0 then). */
  smoothMethod?: SmoothMethod;
  /** For "floor" (default 0.1) and "add-k" (default 1). */
  smoothValue?: number;
  maxNgramOrder?: number;
  /** Average only over n-gram orders the hypothesis has (sacreBLEU's sentence-level default). */
  effectiveOrder?: boolean;
}

/** A BLEU score (0-100) with its statistics, printed as sacreBLEU prints it. */
export interface BleuScore {
  score: number;
  /** Clipped n-gram matches for n = 1..maxNgramOrder. */
  counts: number[];
  /** Hypothesis n-grams for n = 1..maxNgramOrder. */
  totals: number[];
  /** Precisions in percent (after smoothing). */
  precisions: number[];
  bp: number;
  sysLen: number;
  refLen: number;
  toString(): string;
}

function ngramCounts(tokens: string[], maxOrder: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let n = 1; n <= maxOrder; n++)
    for (let i = 0; i + n <= tokens.length; i++) {
      // The order prefix keeps n-grams of different orders apart.
      const key = `${n}\u0001${tokens.slice(i, i + n).join("\u0001")}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  return counts;
}

function prepare(text: string, o: Required<Pick<BleuOptions, "tokenize" | "lowercase">>): string[] {
  let s = text.replace(/\s+$/, "");
  if (o.lowercase) s = s.toLowerCase();
  if (o.tokenize === "13a") s = tokenize13a(s);
  return s.split(/\s+/).filter(Boolean);
}

/** The reference length closest to the hypothesis length (the shorter on ties). */
function closestRefLen(hypLen: number, refLens: number[]): number {
  let best = -1;
  let bestDiff = Infinity;
  for (const r of refLens) {
    const d = Math.abs(hypLen - r);
    if (d < bestDiff || (d === bestDiff && r < best)) {
      best = r;
      bestDiff = d;
    }
  }
  return best;
}

/** The score from summed statistics, as sacreBLEU's BLEU.compute_bleu. */
export function computeBleu(
  correct: number[],
  total: number[],
  sysLen: number,
  refLen: number,
  opts: Pick<BleuOptions, "smoothMethod" | "smoothValue" | "effectiveOrder" | "maxNgramOrder"> = {},
): BleuScore {
  const maxOrder = opts.maxNgramOrder ?? 4;
  const method = opts.smoothMethod ?? "exp";
  const smoothValue = opts.smoothValue ?? (method === "floor" ? 0.1 : 1);
  const bp = sysLen < refLen ? (sysLen > 0 ? Math.exp(1 - refLen / sysLen) : 0) : 1;
  const precisions = new Array<number>(maxOrder).fill(0);
  const result = (score: number): BleuScore => ({
    score,
    counts: [...correct],
    totals: [...total],
    precisions,
    bp,
    sysLen,
    refLen,
    toString() {
      const ratio = refLen ? sysLen / refLen : 0;
      return `BLEU = ${score.toFixed(2)} ${precisions.map((p) => p.toFixed(1)).join("/")} (BP = ${bp.toFixed(3)} ratio = ${ratio.toFixed(3)} hyp_len = ${sysLen} ref_len = ${refLen})`;
    },
  });
  if (!correct.some((c) => c > 0)) return result(0);
  const c = [...correct];
  const t = [...total];
  let smoothMteval = 1;
  let effOrder = maxOrder;
  for (let n = 1; n <= maxOrder; n++) {
    if (method === "add-k" && n > 1) {
      c[n - 1] += smoothValue;
      t[n - 1] += smoothValue;
    }
    if (t[n - 1] === 0) break;
    if (opts.effectiveOrder) effOrder = n;
    if (c[n - 1] === 0) {
      if (method === "exp") {
        smoothMteval *= 2;
        precisions[n - 1] = 100 / (smoothMteval * t[n - 1]);
      } else if (method === "floor") precisions[n - 1] = (100 * smoothValue) / t[n - 1];
    } else precisions[n - 1] = (100 * c[n - 1]) / t[n - 1];
  }
  // log(0) counts as a huge negative number, so a zero precision gives a score of (almost) 0.
  const logs = precisions.slice(0, effOrder).map((p) => (p === 0 ? -9999999999 : Math.log(p)));
  return result(bp * Math.exp(logs.reduce((a, b) => a + b, 0) / effOrder));
}

/**
 * Corpus BLEU like sacreBLEU's `corpus_bleu(hypotheses, references)`: `references` is one string per
 * hypothesis, or several reference streams (`references[k][i]` is the k-th reference of sentence i).
 * @example
 * gs.text.corpusBleu(["the cat sat on the mat"], ["the cat is on the mat"]).score; // 0-100
 */
export function corpusBleu(
  hypotheses: readonly string[],
  references: readonly string[] | readonly (readonly string[])[],
  opts: BleuOptions = {},
): BleuScore {
  const streams: readonly (readonly string[])[] =
    references.length > 0 && typeof references[0] === "string"
      ? [references as readonly string[]]
      : (references as readonly (readonly string[])[]);
  if (streams.length === 0) throw new Error("corpusBleu: no references given");
  for (const [k, s] of streams.entries())
    if (!Array.isArray(s) || s.length !== hypotheses.length)
      throw new RangeError(
        `corpusBleu: reference stream ${k} has ${Array.isArray(s) ? s.length : typeof s} sentences, expected ${hypotheses.length} (one per hypothesis)`,
      );
  const maxOrder = opts.maxNgramOrder ?? 4;
  const prep = { tokenize: opts.tokenize ?? "13a", lowercase: opts.lowercase ?? false } as const;
  const correct = new Array<number>(maxOrder).fill(0);
  const total = new Array<number>(maxOrder).fill(0);
  let sysLen = 0;
  let refLen = 0;
  hypotheses.forEach((hyp, i) => {
    const h = prepare(hyp, prep);
    const refNgrams = new Map<string, number>();
    const refLens: number[] = [];
    for (const stream of streams) {
      const r = prepare(stream[i], prep);
      refLens.push(r.length);
      for (const [g, n] of ngramCounts(r, maxOrder)) refNgrams.set(g, Math.max(refNgrams.get(g) ?? 0, n));
    }
    sysLen += h.length;
    refLen += closestRefLen(h.length, refLens);
    for (const [g, n] of ngramCounts(h, maxOrder)) {
      const order = Number(g.slice(0, g.indexOf("\u0001")));
      total[order - 1] += n;
      correct[order - 1] += Math.min(n, refNgrams.get(g) ?? 0);
    }
  });
  return computeBleu(correct, total, sysLen, refLen, { ...opts, maxNgramOrder: maxOrder });
}

/** Sentence BLEU like sacreBLEU's `sentence_bleu` (effective order and exp smoothing by default). */
export function sentenceBleu(
  hypothesis: string,
  references: readonly string[],
  opts: BleuOptions = {},
): BleuScore {
  return corpusBleu(
    [hypothesis],
    references.map((r) => [r]),
    { effectiveOrder: true, ...opts },
  );
}

/**
 * d2l's per-sentence BLEU (d2l 10.7) of space-separated token strings: exp(min(0, 1 - len_label/len_pred))
 * · Π_{n=1..k} p_n^(1/2^n), with p_n the clipped n-gram precision. 1 for an exact match.
 * @example gs.text.d2lBleu("il est calme .", "il est calme .", 2); // 1
 */
export function d2lBleu(pred: string, label: string, k = 4): number {
  const p = pred.split(" ");
  const l = label.split(" ");
  let score = Math.exp(Math.min(0, 1 - l.length / p.length));
  for (let n = 1; n <= Math.min(k, p.length); n++) {
    const labelSubs = new Map<string, number>();
    for (let i = 0; i + n <= l.length; i++) {
      const g = l.slice(i, i + n).join(" ");
      labelSubs.set(g, (labelSubs.get(g) ?? 0) + 1);
    }
    let matches = 0;
    for (let i = 0; i + n <= p.length; i++) {
      const g = p.slice(i, i + n).join(" ");
      const left = labelSubs.get(g) ?? 0;
      if (left > 0) {
        matches++;
        labelSubs.set(g, left - 1);
      }
    }
    score *= Math.pow(matches / (p.length - n + 1), Math.pow(0.5, n));
  }
  return score;
}
