/** Numerical gradient checking with central differences, in float64. */
import { Tensor } from "../tensor/tensor.js";
import { hostData } from "../tensor/device.js";
import { randn } from "../tensor/create.js";
import { Generator } from "../tensor/random.js";
import { fmtShape } from "../tensor/shape.js";
import { noGrad } from "./grad-mode.js";

export interface GradcheckOptions {
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Throw with details on a mismatch (default) or return false. */
  raiseException?: boolean;
}

/**
 * Checks the gradients autograd computes for `fn` at `inputs` against central differences.
 * The outputs are projected on a fixed random direction, so each input element costs two calls.
 * @example gs.autograd.gradcheck((x) => x.tanh().sum(), [gs.randn([3], { dtype: "float64", requiresGrad: true })])
 */
export function gradcheck(
  fn: (...inputs: Tensor[]) => Tensor | Tensor[],
  inputs: Tensor[],
  opts: GradcheckOptions = {},
): boolean {
  const { eps = 1e-6, atol = 1e-5, rtol = 1e-3, raiseException = true } = opts;
  inputs.forEach((x, i) => {
    if (x.requiresGrad && x.dtype !== "float64")
      throw new TypeError(`gradcheck: input ${i} is ${x.dtype}; use float64 inputs for a meaningful check`);
  });
  const outputs = () => {
    const out = fn(...inputs);
    return Array.isArray(out) ? out : [out];
  };
  // A fixed random direction per output turns any output shape into one scalar.
  const gen = new Generator(1234);
  const first = noGrad(outputs);
  const dirs = first.map((o) => randn(o.shape, { dtype: "float64", generator: gen }));
  const project = (outs: Tensor[]) =>
    outs.reduce((s, o, k) => s + o.to("float64").mul(dirs[k]).sum().item(), 0);

  for (const x of inputs) x.grad = null;
  const outs = outputs();
  const scalar = outs.map((o, k) => o.to("float64").mul(dirs[k]).sum()).reduce((a, b) => a.add(b));
  if (scalar.requiresGrad) scalar.backward();

  for (let i = 0; i < inputs.length; i++) {
    const x = inputs[i];
    if (!x.requiresGrad) continue;
    if (!x.isContiguous()) throw new TypeError(`gradcheck: input ${i} must be contiguous`);
    const analytic = x.grad?.toArray() ?? new Float64Array(x.numel());
    const data = hostData(x, "gradcheck");
    for (let j = 0; j < x.numel(); j++) {
      const at = x.offset + j;
      const orig = data[at];
      data[at] = orig + eps;
      const plus = noGrad(() => project(outputs()));
      data[at] = orig - eps;
      const minus = noGrad(() => project(outputs()));
      data[at] = orig;
      const numeric = (plus - minus) / (2 * eps);
      if (Math.abs(analytic[j] - numeric) > atol + rtol * Math.abs(numeric)) {
        if (!raiseException) return false;
        throw new Error(
          `gradcheck: input ${i} (shape ${fmtShape(x.shape)}), element ${j}: analytic ${analytic[j]} vs numeric ${numeric}`,
        );
      }
    }
  }
  return true;
}
