/**
 * Decoding for translation models: the interface a model offers to search (encode, step, selectRows),
 * greedy and beam search over it, and the translation loss (cross-entropy with padding ignored and
 * label smoothing). Shared by the GRU encoder-decoder (seq2seq.ts) and the Transformer (transformer-mt.ts).
 */
import { Tensor } from "../tensor/tensor.js";
import { fmtShape } from "../tensor/shape.js";
import { cat } from "../ops/indexing.js";
import { noGrad } from "../autograd/grad-mode.js";
import * as F from "../nn/functional.js";

/** One decoding step's result. */
export interface StepOutput<State> {
  /** (B, V) log-probabilities of the next token. */
  logProbs: Tensor;
  /** (B, S) attention over the source positions (for display), or null. */
  attention: Tensor | null;
  state: State;
}

/** What greedy and beam search need from a translation model. */
export interface Translator<State> {
  readonly bosId: number;
  readonly eosId: number;
  /** Encodes a batch of padded sources (B, S) with their lengths. */
  encode(src: Tensor, srcLengths: Int32Array): State;
  /** The next-token distribution after `prefix` (B, t), which starts with <bos>. */
  step(state: State, prefix: Tensor): StepOutput<State>;
  /** The state of rows `rows` (B') of the batch, in that order (beam search reorders and repeats rows). */
  selectRows(state: State, rows: Tensor): State;
  eval(): unknown;
  train(mode?: boolean): unknown;
  readonly training: boolean;
}

/** A translation: target ids (without <bos>, without <eos>), its score and the attention of each step. */
export interface Hypothesis {
  tokens: number[];
  /** Sum of the token log-probabilities (the <eos> included when it was produced). */
  logProb: number;
  /** Beam search's ranking score: logProb / lengthPenalty. */
  score: number;
  /** attention[t][s]: how much output step t looked at source position s (one row per generated token). */
  attention: number[][];
}

export interface SearchOptions {
  /** Stop after this many generated tokens (default 100). */
  maxLen?: number;
}

export interface BeamSearchOptions extends SearchOptions {
  /** Hypotheses kept per step (beamSearch: default 5; translate: default 1, greedy search). */
  beamSize?: number;
  /** GNMT's length penalty ((5 + |Y|) / 6)^α (Wu et al. 2016); 0 (default) ranks by log-probability. */
  lengthPenalty?: number;
}

function withEval<T>(model: Translator<unknown>, fn: () => T): T {
  const wasTraining = model.training;
  model.eval();
  try {
    return noGrad(fn);
  } finally {
    model.train(wasTraining);
  }
}

function rowsOf(t: Tensor | null): number[][] | null {
  if (!t) return null;
  const [B, S] = t.shape;
  const a = t.toArray();
  return Array.from({ length: B }, (_, b) => Array.from(a.subarray(b * S, (b + 1) * S)));
}

/**
 * Greedy decoding of a batch: at each step every unfinished sentence takes its most likely token.
 * @example const [hyp] = greedySearch(model, src, lengths, { maxLen: 50 }); hyp.tokens
 */
export function greedySearch<S>(
  model: Translator<S>,
  src: Tensor,
  srcLengths: Int32Array,
  opts: SearchOptions = {},
): Hypothesis[] {
  const maxLen = opts.maxLen ?? 100;
  return withEval(model, () => {
    const B = src.shape[0];
    let state = model.encode(src, srcLengths);
    const hyps: Hypothesis[] = Array.from({ length: B }, () => ({
      tokens: [],
      logProb: 0,
      score: 0,
      attention: [],
    }));
    const done = new Array<boolean>(B).fill(false);
    let prefix = new Tensor(new Int32Array(B).fill(model.bosId), [B, 1]);
    for (let t = 0; t < maxLen && done.includes(false); t++) {
      const out = model.step(state, prefix);
      state = out.state;
      const [, V] = out.logProbs.shape;
      const lp = out.logProbs.toArray();
      const att = rowsOf(out.attention);
      const next = new Int32Array(B);
      for (let b = 0; b < B; b++) {
        const best = argmaxRow(lp, b * V, V);
        next[b] = best;
        if (done[b]) continue;
        hyps[b].logProb += lp[b * V + best];
        if (att) hyps[b].attention.push(att[b]);
        if (best === model.eosId) done[b] = true;
        else hyps[b].tokens.push(best);
      }
      prefix = cat([prefix, new Tensor(next, [B, 1])], 1);
    }
    for (const h of hyps) h.score = h.logProb;
    return hyps;
  });
}

function argmaxRow(a: ArrayLike<number>, start: number, n: number): number {
  let best = 0;
  for (let v = 1; v < n; v++) if (a[start + v] > a[start + best]) best = v;
  return best;
}

/** GNMT's length penalty. */
export function lengthPenalty(length: number, alpha: number): number {
  return alpha === 0 ? 1 : Math.pow((5 + length) / 6, alpha);
}

interface Beam {
  tokens: number[];
  logProb: number;
  attention: number[][];
}

/**
 * Beam search for one sentence (src (1, S)): keeps the `beamSize` best partial translations by summed
 * log-probability; a hypothesis that emits <eos> is finished. Stops when `beamSize` hypotheses are
 * finished (or at maxLen, where unfinished ones count only if none finished) and returns at most
 * `beamSize` of them, best first by logProb / lengthPenalty.
 * @example const [best] = beamSearch(model, src, lengths, { beamSize: 5, lengthPenalty: 0.6 });
 */
export function beamSearch<S>(
  model: Translator<S>,
  src: Tensor,
  srcLengths: Int32Array,
  opts: BeamSearchOptions = {},
): Hypothesis[] {
  const { maxLen = 100, beamSize = 5, lengthPenalty: alpha = 0 } = opts;
  if (src.ndim !== 2 || src.shape[0] !== 1)
    throw new RangeError(
      `beamSearch: decodes one sentence at a time, src must be (1, S), got ${fmtShape(src.shape)}`,
    );
  if (!Number.isInteger(beamSize) || beamSize < 1)
    throw new RangeError(`beamSearch: beamSize must be a positive integer, got ${beamSize}`);
  return withEval(model, () => {
    let state = model.encode(src, srcLengths);
    let beams: Beam[] = [{ tokens: [], logProb: 0, attention: [] }];
    const finished: Hypothesis[] = [];
    const finish = (b: Beam, ended: boolean) => {
      const len = b.tokens.length + (ended ? 1 : 0);
      finished.push({ ...b, score: b.logProb / lengthPenalty(len, alpha) });
    };
    for (let t = 0; t < maxLen && beams.length > 0 && finished.length < beamSize; t++) {
      const k = beams.length;
      const prefix = new Tensor(Int32Array.from(beams.flatMap((b) => [model.bosId, ...b.tokens])), [
        k,
        t + 1,
      ]);
      const out = model.step(state, prefix);
      const [, V] = out.logProbs.shape;
      const lp = out.logProbs.toArray();
      const att = rowsOf(out.attention);
      // The beamSize best (beam, token) continuations; ties go to the lower beam, then the lower token.
      const cands: [number, number, number][] = [];
      for (let i = 0; i < k; i++)
        for (let v = 0; v < V; v++) {
          const s = beams[i].logProb + lp[i * V + v];
          if (cands.length < beamSize || s > cands[cands.length - 1][0]) {
            let at = cands.length;
            while (at > 0 && s > cands[at - 1][0]) at--;
            cands.splice(at, 0, [s, i, v]);
            if (cands.length > beamSize) cands.pop();
          }
        }
      const next: Beam[] = [];
      const rows: number[] = [];
      for (const [s, i, v] of cands) {
        const beam: Beam = {
          tokens: beams[i].tokens,
          logProb: s,
          attention: att ? [...beams[i].attention, att[i]] : [],
        };
        if (v === model.eosId) finish(beam, true);
        else {
          next.push({ ...beam, tokens: [...beam.tokens, v] });
          rows.push(i);
        }
      }
      beams = next;
      if (rows.length > 0)
        state = model.selectRows(out.state, new Tensor(Int32Array.from(rows), [rows.length]));
    }
    if (finished.length === 0) for (const b of beams) finish(b, false);
    return finished.sort((a, b) => b.score - a.score).slice(0, beamSize);
  });
}

/**
 * Mean cross-entropy of logits (B, T, V) against labels (B, T), labels equal to padId ignored, with label
 * smoothing ε as PyTorch's crossEntropy: (1-ε)·(-log p_y) + ε·mean_c(-log p_c). The smoothing term is
 * computed as ε·(logsumexp - mean(logits)), which needs no full log-softmax.
 */
export function translationLoss(logits: Tensor, labels: Tensor, padId: number, labelSmoothing = 0): Tensor {
  if (
    logits.ndim !== 3 ||
    labels.ndim !== 2 ||
    logits.shape[0] !== labels.shape[0] ||
    logits.shape[1] !== labels.shape[1]
  )
    throw new RangeError(
      `translationLoss: logits ${fmtShape(logits.shape)} must be (B, T, V) and labels ${fmtShape(labels.shape)} (B, T)`,
    );
  const V = logits.shape[2];
  const flat = logits.reshape([-1, V]);
  const y = labels.reshape([-1]);
  const nll = F.crossEntropy(flat, y, { ignoreIndex: padId, reduction: "none" }); // (N), 0 at padding
  const valid = y.ne(padId).to(logits.dtype);
  let loss = nll;
  if (labelSmoothing > 0) {
    const safe = y.mul(valid.to("int32")).unsqueeze(1); // padding rows pick class 0, then are masked
    const lse = nll.add(flat.gather(1, safe).squeeze(1)); // logsumexp of each row
    const smooth = lse.sub(flat.mean(-1)).mul(valid);
    loss = nll.mul(1 - labelSmoothing).add(smooth.mul(labelSmoothing));
  }
  return loss.sum().div(valid.sum());
}

/** Greedy search for the whole batch when beamSize is 1, else beam search sentence by sentence. */
export function translateBatch<S>(
  model: Translator<S>,
  src: Tensor,
  srcLengths: Int32Array,
  opts: BeamSearchOptions = {},
): Hypothesis[] {
  if ((opts.beamSize ?? 1) === 1) return greedySearch(model, src, srcLengths, opts);
  return Array.from(srcLengths, (len, b) => {
    const one = src.narrow(0, b, 1).narrow(1, 0, len);
    return beamSearch(model, one, Int32Array.of(len), opts)[0];
  });
}
