/** Runs a PyTorch reference case: forward outputs and the gradients of Σ_k sum(out_k · upstream_k). */
import { Tensor, tensor, type DType } from "../../src/index.js";
import { assertClose, fromFixture, type Fixture } from "./fixtures.js";

export type CaseFn = (inputs: Record<string, Tensor>) => Record<string, Tensor>;

/**
 * Checks outputs and input gradients; float32 to 1e-4 relative, float64 to 1e-9. With `forwardOnly`,
 * only the listed outputs are compared and no gradient (for a case whose other outputs are unusable).
 */
export function checkParity(fx: Fixture, fn: CaseFn, dtype: DType = "float32", forwardOnly?: string[]): void {
  const tol = dtype === "float64" ? 1e-9 : 1e-4;
  const inputs: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(fx.inputs)) inputs[k] = fromFixture(v, { dtype, requiresGrad: true });
  for (const [k, v] of Object.entries(fx.int_inputs)) inputs[k] = fromFixture(v);
  const outs = fn(inputs);
  let total: Tensor | null = null;
  for (const [k, want] of Object.entries(fx.outputs)) {
    if (forwardOnly && !forwardOnly.includes(k)) continue;
    const got = outs[k];
    assertClose(got.reshape(want.shape), want, tol, `${fx.name} output ${k} (${dtype})`);
    const up = tensor(fx.upstream[k].data, { shape: fx.upstream[k].shape, dtype }).reshape(got.shape);
    const term = got.mul(up).sum();
    total = total === null ? term : total.add(term);
  }
  if (forwardOnly) return;
  total!.backward();
  for (const [k, want] of Object.entries(fx.grads)) {
    const g = inputs[k].grad;
    if (g === null) throw new Error(`${fx.name}: no gradient for ${k}`);
    assertClose(g, want, tol, `${fx.name} grad ${k} (${dtype})`);
  }
}
