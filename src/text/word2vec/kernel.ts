/**
 * word2vec's hot loop: skip-gram and CBOW with negative sampling over a batch of sentences of word ids, as
 * word2vec.c and gensim's word2vec_inner do it. Everything it touches is a typed array, so the same function
 * runs on the main thread and in worker threads over shared memory (Hogwild: threads update the shared
 * matrices without locks), and a native kernel with the same arguments can replace it. The vector arithmetic
 * runs in WebAssembly SIMD when the model lives in a WebAssembly.Memory (wasm.ts), else in the scalar
 * `negativeSampling` below, which is its reference.
 */
import type { SimdKernel, WasmMemory } from "./wasm.js";

/** The sigmoid table of word2vec.c: σ(x) at EXP_TABLE_SIZE points of [−MAX_EXP, MAX_EXP). */
export const EXP_TABLE_SIZE = 1000;
export const MAX_EXP = 6;

/** The model's arrays and settings that a training batch reads (and, for syn0 and syn1neg, writes). */
export interface KernelModel {
  /** Input vectors, V × dim row-major (the word vectors). */
  syn0: Float32Array;
  /** Output vectors for negative sampling, V × dim. */
  syn1neg: Float32Array;
  dim: number;
  /** 1 for skip-gram, 0 for CBOW. */
  sg: number;
  negative: number;
  window: number;
  /** 1: CBOW averages the context vectors; 0: sums them. */
  cbowMean: number;
  /** 1: draw the effective window size in [1, window] per position, as word2vec.c; 0: always `window`. */
  shrinkWindows: number;
  /** Word w is kept with probability keep[w] / 2^32 (frequent-word subsampling); 2^32 − 1 keeps it always. */
  keep: Uint32Array;
  /** Walker's alias table for unigram^0.75 negative sampling: bucket i gives i with probability aliasProb[i], else aliasIdx[i]. */
  aliasProb: Float64Array;
  aliasIdx: Int32Array;
  expTable: Float32Array;
  /** Byte offsets of syn0, syn1neg and expTable in the WebAssembly memory, for the SIMD kernel. */
  ptr: { syn0: number; syn1neg: number; exp: number } | null;
}

/** Per-thread buffers, allocated once. */
export interface KernelScratch {
  /** The gradient for the input vector(s) of one update. */
  work: Float32Array;
  /** CBOW's averaged context vector. */
  neu1: Float32Array;
  /** The current sentence after subsampling; as long as the longest sentence. */
  sent: Int32Array;
  /** The positive word then the negative samples of one update. */
  targets: Int32Array;
  /** Byte offsets of work, neu1 and targets in the WebAssembly memory, for the SIMD kernel. */
  ptr: { work: number; neu1: number; targets: number } | null;
}

/** σ(x) for x = (i / EXP_TABLE_SIZE · 2 − 1) · MAX_EXP, into `out`. */
export function fillExpTable(out: Float32Array = new Float32Array(EXP_TABLE_SIZE)): Float32Array {
  for (let i = 0; i < EXP_TABLE_SIZE; i++) {
    const e = Math.exp(((i / EXP_TABLE_SIZE) * 2 - 1) * MAX_EXP);
    out[i] = e / (e + 1);
  }
  return out;
}

/** Scratch buffers in ordinary arrays, or in `memory` at `ptr` for the SIMD kernel. */
export function makeScratch(
  dim: number,
  negative: number,
  maxSentence: number,
  memory: WasmMemory | null = null,
  ptr: KernelScratch["ptr"] = null,
): KernelScratch {
  const sent = new Int32Array(Math.max(1, maxSentence));
  if (memory === null || ptr === null)
    return {
      work: new Float32Array(dim),
      neu1: new Float32Array(dim),
      sent,
      targets: new Int32Array(negative + 1),
      ptr: null,
    };
  const buf = memory.buffer;
  return {
    work: new Float32Array(buf, ptr.work, dim),
    neu1: new Float32Array(buf, ptr.neu1, dim),
    sent,
    targets: new Int32Array(buf, ptr.targets, negative + 1),
    ptr,
  };
}

/**
 * Trains on sentences [first, end) of the corpus (sentence s is corpus[offsets[s] .. offsets[s + 1]]) with
 * learning rate `alpha`; `seed` starts this batch's random stream (subsampling, window sizes, negatives).
 * `simd` (with `m.ptr` and `scratch.ptr`) runs the vector arithmetic in WebAssembly. Returns the number of
 * words kept after subsampling.
 */
export function trainBatch(
  m: KernelModel,
  scratch: KernelScratch,
  corpus: Int32Array,
  offsets: Int32Array,
  first: number,
  end: number,
  alpha: number,
  seed: number,
  simd: SimdKernel | null = null,
): number {
  const { syn0, syn1neg, dim, negative, window, keep, aliasProb, aliasIdx, expTable } = m;
  const { work, neu1, sent, targets } = scratch;
  const nWords = aliasProb.length;
  const sg = m.sg === 1;
  const shrink = m.shrinkWindows === 1;
  const fast = simd !== null && m.ptr !== null && scratch.ptr !== null;
  const wasm = simd as SimdKernel; // called only when `fast`
  const bytes = dim * 4;
  const p0 = m.ptr?.syn0 ?? 0;
  const p1 = m.ptr?.syn1neg ?? 0;
  const pe = m.ptr?.exp ?? 0;
  const pw = scratch.ptr?.work ?? 0;
  const pn = scratch.ptr?.neu1 ?? 0;
  const pt = scratch.ptr?.targets ?? 0;
  let rng = seed | 0 || 0x2545f491; // xorshift32 state, never 0
  let effective = 0;
  for (let s = first; s < end; s++) {
    let n = 0;
    for (let p = offsets[s]; p < offsets[s + 1]; p++) {
      const w = corpus[p];
      rng ^= rng << 13;
      rng ^= rng >>> 17;
      rng ^= rng << 5;
      if (rng >>> 0 > keep[w]) continue;
      sent[n++] = w;
    }
    effective += n;
    for (let i = 0; i < n; i++) {
      let b = 0;
      if (shrink) {
        rng ^= rng << 13;
        rng ^= rng >>> 17;
        rng ^= rng << 5;
        b = (rng >>> 0) % window;
      }
      const lo = i - window + b < 0 ? 0 : i - window + b;
      const hi = i + window + 1 - b > n ? n : i + window + 1 - b;
      const word = sent[i];
      if (!sg && hi - lo < 2) continue; // CBOW without context
      // The positive word, then negatives from unigram^0.75 (a draw of the positive word itself is skipped):
      // skip-gram draws them for each context word, CBOW once per centre word. (Written out twice: a helper
      // function would have to carry the random state.)
      let nt: number;
      if (sg) {
        for (let j = lo; j < hi; j++) {
          if (j === i) continue;
          targets[0] = word;
          nt = 1;
          for (let d = 0; d < negative; d++) {
            rng ^= rng << 13;
            rng ^= rng >>> 17;
            rng ^= rng << 5;
            const x = (rng >>> 0) * (nWords / 4294967296);
            const bucket = x | 0;
            const t = x - bucket < aliasProb[bucket] ? bucket : aliasIdx[bucket];
            if (t !== word) targets[nt++] = t;
          }
          const row = sent[j] * dim;
          if (fast) {
            wasm.neg(p0 + row * 4, pt, nt, bytes, alpha, pw, p1, pe);
            wasm.add(p0 + row * 4, pw, bytes);
          } else {
            negativeSampling(syn0, row, syn1neg, dim, targets, nt, alpha, expTable, work);
            for (let c = 0; c < dim; c++) syn0[row + c] += work[c];
          }
        }
      } else {
        targets[0] = word;
        nt = 1;
        for (let d = 0; d < negative; d++) {
          rng ^= rng << 13;
          rng ^= rng >>> 17;
          rng ^= rng << 5;
          const x = (rng >>> 0) * (nWords / 4294967296);
          const bucket = x | 0;
          const t = x - bucket < aliasProb[bucket] ? bucket : aliasIdx[bucket];
          if (t !== word) targets[nt++] = t;
        }
        neu1.fill(0);
        for (let j = lo; j < hi; j++) {
          if (j === i) continue;
          const row = sent[j] * dim;
          if (fast) wasm.add(pn, p0 + row * 4, bytes);
          else for (let c = 0; c < dim; c++) neu1[c] += syn0[row + c];
        }
        if (m.cbowMean === 1) {
          const inv = 1 / (hi - lo - 1);
          for (let c = 0; c < dim; c++) neu1[c] *= inv;
        }
        if (fast) wasm.neg(pn, pt, nt, bytes, alpha, pw, p1, pe);
        else negativeSampling(neu1, 0, syn1neg, dim, targets, nt, alpha, expTable, work);
        for (let j = lo; j < hi; j++) {
          if (j === i) continue;
          const row = sent[j] * dim;
          if (fast) wasm.add(p0 + row * 4, pw, bytes);
          else for (let c = 0; c < dim; c++) syn0[row + c] += work[c];
        }
      }
    }
  }
  return effective;
}

/**
 * One negative-sampling update of the input vector h = input[inOff ..]: for each target t (the first with
 * label 1, the others 0), g = (label − σ(h·v_t)) · alpha; work = Σ g · v_t; v_t += g · h.
 */
export function negativeSampling(
  input: Float32Array,
  inOff: number,
  syn1neg: Float32Array,
  dim: number,
  targets: Int32Array,
  nt: number,
  alpha: number,
  expTable: Float32Array,
  work: Float32Array,
): void {
  work.fill(0);
  const end4 = dim & ~3;
  for (let d = 0; d < nt; d++) {
    const out = targets[d] * dim;
    const label = d === 0 ? 1 : 0;
    // Four partial sums: independent chains that the CPU can overlap.
    let f0 = 0;
    let f1 = 0;
    let f2 = 0;
    let f3 = 0;
    let c = 0;
    for (; c < end4; c += 4) {
      f0 += input[inOff + c] * syn1neg[out + c];
      f1 += input[inOff + c + 1] * syn1neg[out + c + 1];
      f2 += input[inOff + c + 2] * syn1neg[out + c + 2];
      f3 += input[inOff + c + 3] * syn1neg[out + c + 3];
    }
    for (; c < dim; c++) f0 += input[inOff + c] * syn1neg[out + c];
    const f = f0 + f1 + f2 + f3;
    let g: number;
    if (f >= MAX_EXP) g = (label - 1) * alpha;
    else if (f <= -MAX_EXP) g = label * alpha;
    else g = (label - expTable[((f + MAX_EXP) * (EXP_TABLE_SIZE / MAX_EXP / 2)) | 0]) * alpha;
    c = 0;
    for (; c < end4; c += 4) {
      const v0 = syn1neg[out + c];
      const v1 = syn1neg[out + c + 1];
      const v2 = syn1neg[out + c + 2];
      const v3 = syn1neg[out + c + 3];
      work[c] += g * v0;
      work[c + 1] += g * v1;
      work[c + 2] += g * v2;
      work[c + 3] += g * v3;
      syn1neg[out + c] = v0 + g * input[inOff + c];
      syn1neg[out + c + 1] = v1 + g * input[inOff + c + 1];
      syn1neg[out + c + 2] = v2 + g * input[inOff + c + 2];
      syn1neg[out + c + 3] = v3 + g * input[inOff + c + 3];
    }
    for (; c < dim; c++) {
      const v = syn1neg[out + c];
      work[c] += g * v;
      syn1neg[out + c] = v + g * input[inOff + c];
    }
  }
}
