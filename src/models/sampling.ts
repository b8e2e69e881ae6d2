/** Picking the next token from logits: temperature, top-k, top-p (nucleus), then a seeded draw. */
import { Tensor } from "../tensor/tensor.js";
import { defaultGenerator, type Generator as RandomGenerator } from "../tensor/random.js";
import { fmtShape } from "../tensor/shape.js";
import { noGrad } from "../autograd/grad-mode.js";
import type { Storage } from "../backend/types.js";
import type { Module } from "../nn/module.js";

export interface SampleOptions {
  /** Divides the logits; < 1 sharpens, > 1 flattens. 0 means greedy (argmax). Default 1. */
  temperature?: number;
  /** Keep only the k most likely tokens. */
  topK?: number | null;
  /** Keep the smallest set of tokens whose probability reaches p. */
  topP?: number | null;
  generator?: RandomGenerator;
}

/** One token id per row of `logits` (B, V), as an int32 tensor of shape (B) on the CPU. */
export function sampleNext(logits: Tensor, opts: SampleOptions = {}): Tensor {
  checkSampling(logits, opts);
  return new Tensor(pickTokens(logits.toArray(), logits.shape[1], opts), [logits.shape[0]]);
}

/**
 * sampleNext for logits on a device the host cannot read: one awaited readback of the (B, V) logits,
 * then the same rule and the same draws from the generator; the tokens go to the logits' device.
 */
export async function sampleNextAsync(logits: Tensor, opts: SampleOptions = {}): Promise<Tensor> {
  checkSampling(logits, opts);
  const tokens = pickTokens(await logits.data(), logits.shape[1], opts);
  return new Tensor(tokens, [logits.shape[0]]).to(logits.device);
}

function checkSampling(logits: Tensor, opts: SampleOptions): void {
  if (logits.ndim !== 2)
    throw new RangeError(`sampleNext: logits must be (B, V), got ${fmtShape(logits.shape)}`);
  const { temperature = 1, topK = null, topP = null } = opts;
  if (!(temperature >= 0)) throw new RangeError(`sampleNext: temperature must be >= 0, got ${temperature}`);
  if (topK !== null && (!Number.isInteger(topK) || topK < 1))
    throw new RangeError(`sampleNext: topK must be a positive integer, got ${topK}`);
  if (topP !== null && !(topP > 0 && topP <= 1))
    throw new RangeError(`sampleNext: topP must be in (0, 1], got ${topP}`);
}

/** The sampling rule, the one place that turns logits (rows of V values, on the host) into tokens. */
function pickTokens(data: Storage, V: number, opts: SampleOptions): Int32Array {
  const { temperature = 1, topK = null, topP = null, generator = defaultGenerator } = opts;
  const out = new Int32Array(data.length / V);
  for (let b = 0; b < out.length; b++)
    out[b] = sampleRow(data.subarray(b * V, (b + 1) * V), temperature, topK, topP, generator);
  return out;
}

/**
 * A generation written once for both drivers: it yields the next logits (B, V) and resumes with the
 * sampled tokens (B) on the logits' device, returning the finished sequence.
 */
export type TokenProgram = Generator<Tensor, Tensor, Tensor>;

/**
 * Runs a model's TokenProgram in eval mode (no dropout) without autograd, reading each step's logits
 * synchronously (CPU backends).
 */
export function generateTokens(model: Module, program: TokenProgram, opts: SampleOptions): Tensor {
  return inEval(model, () => {
    for (let r = resume(program); ; r = resume(program, sampleNext(r.value, opts)))
      if (r.done) return r.value;
  });
}

/** generateTokens on any device: each step's logits are read back with `await`. */
export function generateTokensAsync(
  model: Module,
  program: TokenProgram,
  opts: SampleOptions,
): Promise<Tensor> {
  return inEval(model, async () => {
    for (let r = resume(program); ; r = resume(program, await sampleNextAsync(r.value, opts)))
      if (r.done) return r.value;
  });
}

/** The program's next step (or its result) after `tokens`, recorded without autograd. */
function resume(program: TokenProgram, tokens?: Tensor): IteratorResult<Tensor, Tensor> {
  return noGrad(() => program.next(tokens!));
}

/** `f()` with `model` in eval mode; its mode comes back when f returns or, for a promise, settles. */
function inEval<R>(model: Module, f: () => R): R {
  const wasTraining = model.training;
  const restore = () => void model.train(wasTraining);
  model.eval();
  let out: R;
  try {
    out = f();
  } catch (e) {
    restore();
    throw e;
  }
  if (out instanceof Promise) return out.finally(restore) as R;
  restore();
  return out;
}

function sampleRow(
  row: ArrayLike<number>,
  temperature: number,
  topK: number | null,
  topP: number | null,
  gen: RandomGenerator,
): number {
  const V = row.length;
  let best = 0;
  for (let i = 1; i < V; i++) if (row[i] > row[best]) best = i;
  if (temperature === 0) return best;
  // Candidates sorted by logit, highest first; ties keep the lower id first so the draw is deterministic.
  let ids = Array.from({ length: V }, (_, i) => i).sort((a, b) => row[b] - row[a] || a - b);
  if (topK !== null) ids = ids.slice(0, Math.min(topK, V));
  const max = row[ids[0]];
  let probs = ids.map((i) => Math.exp((row[i] - max) / temperature));
  let total = probs.reduce((a, b) => a + b, 0);
  if (topP !== null) {
    let cum = 0;
    let keep = 0;
    while (keep < probs.length && cum < topP * total) cum += probs[keep++];
    ids = ids.slice(0, Math.max(1, keep));
    probs = probs.slice(0, ids.length);
    total = probs.reduce((a, b) => a + b, 0);
  }
  let u = gen.random() * total;
  for (let k = 0; k < ids.length; k++) {
    u -= probs[k];
    if (u < 0) return ids[k];
  }
  return ids[ids.length - 1];
}

/** Draws `numSamples` indices per row from the probabilities (rows need not be normalised), with replacement. */
export function multinomial(
  probs: Tensor,
  numSamples = 1,
  opts: { generator?: RandomGenerator } = {},
): Tensor {
  const p2 = probs.ndim === 1 ? probs.unsqueeze(0) : probs;
  if (p2.ndim !== 2)
    throw new RangeError(`multinomial: probs must be 1-d or 2-d, got ${fmtShape(probs.shape)}`);
  const [B, V] = p2.shape;
  const data = p2.toArray();
  const gen = opts.generator ?? defaultGenerator;
  const out = new Int32Array(B * numSamples);
  for (let b = 0; b < B; b++) {
    let total = 0;
    for (let i = 0; i < V; i++) {
      const v = data[b * V + i];
      if (!(v >= 0) || v === Infinity)
        throw new RangeError(`multinomial: probabilities must be finite and >= 0, got ${v}`);
      total += v;
    }
    if (total <= 0) throw new RangeError(`multinomial: row ${b} has no positive probability`);
    for (let s = 0; s < numSamples; s++) {
      let u = gen.random() * total;
      let pick = V - 1;
      for (let i = 0; i < V; i++) {
        u -= data[b * V + i];
        if (u < 0) {
          pick = i;
          break;
        }
      }
      out[b * numSamples + s] = pick;
    }
  }
  const t = new Tensor(out, [B, numSamples]);
  return probs.ndim === 1 ? t.reshape([numSamples]) : t;
}
