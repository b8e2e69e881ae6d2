/**
 * The special functions and random draws that variational LDA needs: digamma, trigamma, log-gamma,
 * Dirichlet expectations and Gamma(shape, scale) samples, in float64.
 */
import type { Generator } from "../../tensor/random.js";

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * ψ(x) = d/dx ln Γ(x). Shifts x up to 10 with ψ(x) = ψ(x + 1) − 1/x, then sums the asymptotic series
 * (error below 1e-15 there); negative non-integers use the reflection ψ(1 − x) − π / tan(πx).
 * @example
 * digamma(1); // -0.5772156649015329 (minus the Euler–Mascheroni constant)
 */
export function digamma(x: number): number {
  if (Number.isNaN(x) || x === -Infinity) return NaN;
  if (x <= 0 && Number.isInteger(x)) return NaN;
  if (x < 0) return digamma(1 - x) - Math.PI / Math.tan(Math.PI * x);
  let result = 0;
  while (x < 10) {
    result -= 1 / x;
    x += 1;
  }
  const f = 1 / (x * x);
  // ln x − 1/(2x) − Σ B₂ₙ / (2n x²ⁿ)
  const series =
    f *
    (1 / 12 -
      f * (1 / 120 - f * (1 / 252 - f * (1 / 240 - f * (1 / 132 - f * (691 / 32760 - f * (1 / 12)))))));
  return result + Math.log(x) - 0.5 / x - series;
}

/** ψ′(x), the trigamma function, for x > 0 (recurrence up to 10, then the asymptotic series). */
export function trigamma(x: number): number {
  if (!(x > 0)) return NaN;
  let result = 0;
  while (x < 10) {
    result += 1 / (x * x);
    x += 1;
  }
  const f = 1 / (x * x);
  // 1/x + 1/(2x²) + Σ B₂ₙ / x²ⁿ⁺¹
  const series =
    (f / x) *
    (1 / 6 - f * (1 / 30 - f * (1 / 42 - f * (1 / 30 - f * (5 / 66 - f * (691 / 2730 - (f * 7) / 6))))));
  return result + 1 / x + 0.5 * f + series;
}

/**
 * ln |Γ(x)|. Shifts x up to 10 with Γ(x) = Γ(x + 1) / x, then Stirling's series; x < 0.5 uses the
 * reflection formula. Poles (0, −1, −2, …) give +Infinity.
 * @example
 * lgamma(0.5); // 0.5723649429247001 (ln √π)
 */
export function lgamma(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (!Number.isFinite(x)) return Infinity;
  if (x <= 0 && Number.isInteger(x)) return Infinity;
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lgamma(1 - x);
  let shift = 0;
  if (x < 10) {
    let prod = 1;
    while (x < 10) {
      prod *= x;
      x += 1;
    }
    shift = Math.log(prod);
  }
  const f = 1 / (x * x);
  const series =
    (1 / x) *
    (1 / 12 -
      f * (1 / 360 - f * (1 / 1260 - f * (1 / 1680 - f * (1 / 1188 - f * (691 / 360360 - f / 156))))));
  return (x - 0.5) * Math.log(x) - x + HALF_LOG_2PI + series - shift;
}

/** E[ln θ] for θ ~ Dirichlet(alpha): ψ(alpha_k) − ψ(Σ alpha), written into `out` (default a new array). */
export function dirichletExpectation(
  alpha: ArrayLike<number>,
  out: Float64Array = new Float64Array(alpha.length),
  offset = 0,
): Float64Array {
  let sum = 0;
  for (let k = 0; k < alpha.length; k++) sum += alpha[k];
  const psiSum = digamma(sum);
  for (let k = 0; k < alpha.length; k++) out[offset + k] = digamma(alpha[k]) - psiSum;
  return out;
}

/** ln Σ exp(x_k), without overflow. */
export function logSumExp(x: ArrayLike<number>): number {
  let max = -Infinity;
  for (let k = 0; k < x.length; k++) if (x[k] > max) max = x[k];
  if (max === -Infinity) return -Infinity;
  let s = 0;
  for (let k = 0; k < x.length; k++) s += Math.exp(x[k] - max);
  return max + Math.log(s);
}

/**
 * A draw from Gamma(shape, scale) (mean shape·scale), by Marsaglia and Tsang's squeeze method (2000); for
 * shape < 1, Gamma(shape + 1) · U^(1/shape).
 * @example
 * sampleGamma(gen, 100, 0.01); // close to 1: how gensim initialises LDA's variational parameters
 */
export function sampleGamma(gen: Generator, shape: number, scale = 1): number {
  if (!(shape > 0) || !(scale > 0))
    throw new Error(`sampleGamma: shape and scale must be positive, got shape ${shape}, scale ${scale}`);
  if (shape < 1) {
    let u = 0;
    while (u === 0) u = gen.random();
    return sampleGamma(gen, shape + 1, scale) * Math.pow(u, 1 / shape);
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = gen.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = gen.random();
    const x2 = x * x;
    if (u < 1 - 0.0331 * x2 * x2) return d * v * scale;
    if (Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) return d * v * scale;
  }
}
