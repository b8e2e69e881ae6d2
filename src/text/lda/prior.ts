/** LDA's Dirichlet priors: gensim's initial values for alpha and eta, and the Newton step that learns alpha. */
import { digamma, trigamma } from "./math.js";
import type { LDAOptions } from "./lda.js";

/** alpha as K numbers: "symmetric" and "auto" start at 1/K, "asymmetric" is ∝ 1/(k + √K) normalised to 1. */
export function initAlpha(alpha: NonNullable<LDAOptions["alpha"]>, K: number): Float64Array {
  if (alpha === "symmetric" || alpha === "auto") return new Float64Array(K).fill(1 / K);
  if (alpha === "asymmetric") {
    const a = Float64Array.from({ length: K }, (_, k) => 1 / (k + Math.sqrt(K)));
    const sum = a.reduce((s, v) => s + v, 0);
    return a.map((v) => v / sum);
  }
  return priorArray(alpha, K, "alpha", "numTopics");
}

/** eta as one number per term: "symmetric" is 1/K. */
export function initEta(eta: NonNullable<LDAOptions["eta"]>, K: number, V: number): Float64Array {
  if (eta === "symmetric") return new Float64Array(V).fill(1 / K);
  return priorArray(eta, V, "eta", "the number of dictionary terms");
}

/** A number or an array of `n` positive numbers as a prior vector. */
function priorArray(p: unknown, n: number, name: string, what: string): Float64Array {
  if (typeof p === "number") {
    if (!(p > 0)) throw new Error(`LDA: ${name} must be positive, got ${p}`);
    return new Float64Array(n).fill(p);
  }
  if (typeof p === "string") throw new Error(`LDA: unknown ${name} "${p}"`);
  const a = Float64Array.from(p as ArrayLike<number>);
  if (a.length !== n) throw new Error(`LDA: ${name} has ${a.length} values, expected ${n} (${what})`);
  if (!a.every((v) => v > 0)) throw new Error(`LDA: every ${name} value must be positive`);
  return a;
}

/**
 * One Newton step of Minka's fixed-point update of a Dirichlet prior from the mean E[log θ] (`logphat`) of
 * `n` documents, damped by `rho` (gensim's `update_dir_prior`); the step is kept only if every value stays
 * positive.
 */
export function newtonDirichletPrior(
  prior: Float64Array,
  n: number,
  logphat: Float64Array,
  rho: number,
): Float64Array {
  let sum = 0;
  for (const a of prior) sum += a;
  const grad = prior.map((a, k) => n * (digamma(sum) - digamma(a) + logphat[k]));
  const c = n * trigamma(sum);
  const q = prior.map((a) => -n * trigamma(a));
  let num = 0;
  let den = 1 / c;
  for (let k = 0; k < prior.length; k++) {
    num += grad[k] / q[k];
    den += 1 / q[k];
  }
  const b = num / den;
  const next = prior.map((a, k) => a - (rho * (grad[k] - b)) / q[k]);
  return next.every((v) => v > 0) ? next : prior;
}
