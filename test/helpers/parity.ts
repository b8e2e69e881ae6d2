/** Runs a PyTorch reference case: forward outputs and the gradients of Σ_k sum(out_k · upstream_k). */
import assert from "node:assert/strict";
import { Tensor, tensor, type DType } from "../../src/index.js";
import type { Module } from "../../src/nn/module.js";
import { assertClose, fromFixture, type Fixture } from "./fixtures.js";

export type CaseFn = (inputs: Record<string, Tensor>) => Record<string, Tensor>;

/**
 * Checks outputs and input gradients; float32 to 1e-4 relative, float64 to 1e-9. With `forwardOnly`,
 * only the listed outputs are compared and no gradient (for a case whose other outputs are unusable).
 */
export function checkParity(
  fx: Fixture,
  fn: CaseFn,
  dtype: DType = "float32",
  forwardOnly?: string[],
  paramGrad: (name: string) => Tensor | null = () => null,
): void {
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
    const g = k in inputs ? inputs[k].grad : paramGrad(k);
    if (g === null) throw new Error(`${fx.name}: no gradient for ${k}`);
    assertClose(g, want, tol, `${fx.name} grad ${k} (${dtype})`);
  }
}

/**
 * Checks a module against a PyTorch case: state-dict keys and shapes, the forward outputs, and the
 * gradients of Σ_k sum(out_k · upstream_k) for every float input and every parameter (float32, 1e-4).
 */
export function checkModuleParity(
  fx: Fixture,
  module: Module,
  forward: (inputs: Record<string, Tensor>) => Record<string, Tensor>,
): void {
  const sd = module.stateDict();
  assert.deepEqual(Object.keys(sd).sort(), Object.keys(fx.params).sort(), `${fx.name}: state dict keys`);
  for (const [k, v] of Object.entries(fx.params))
    assert.deepEqual([...sd[k].shape], v.shape, `${fx.name}: shape of ${k}`);
  module.loadStateDict(Object.fromEntries(Object.entries(fx.params).map(([k, v]) => [k, fromFixture(v)])));
  const params = new Map(module.namedParameters());
  checkParity(
    fx,
    (inputs) => forward(inputs),
    "float32",
    undefined,
    (k) => params.get(k)?.grad ?? null,
  );
}
