/** Python-style formatting of settings, so that layers print exactly as PyTorch's repr. */

/** A number as Python's repr of a float: 1e-05, 0.1, 0.5, 1.0, 1e+20. */
export function pyFloat(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const [mantissa, exp] = x.toExponential().split("e");
  const e = Number(exp);
  if (e < -4 || e >= 16) return `${mantissa}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  const s = x.toString();
  return s.includes(".") ? s : `${s}.0`;
}

export const pyBool = (b: boolean): string => (b ? "True" : "False");

/** A shape as a Python tuple: (768,) or (3, 4). */
export const pyTuple = (xs: readonly number[]): string =>
  xs.length === 1 ? `(${xs[0]},)` : `(${xs.join(", ")})`;
