// The fused recurrent op equals its per-step composition (forward and backward), and gradchecks in float64.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as gs from "../src/index.js";
import type { Tensor } from "../src/index.js";
import {
  GATES,
  recurrentLayer,
  recurrentLayerComposed,
  type RecurrentMode,
} from "../src/ops/fused/recurrent.js";
import { assertClose } from "./helpers/fixtures.js";

const MODES: RecurrentMode[] = ["rnn_tanh", "rnn_relu", "lstm", "gru"];

/** Random inputs of one layer: x, wIh, wHh, bIh, bHh, h0, c0. */
function layerInputs(
  mode: RecurrentMode,
  T: number,
  B: number,
  I: number,
  H: number,
  dtype: "float32" | "float64",
) {
  const G = GATES[mode] * H;
  const r = (shape: number[], scale = 1) => gs.randn(shape, { dtype }).mul(scale).requiresGrad_();
  return [r([T, B, I]), r([G, I], 0.5), r([G, H], 0.5), r([G], 0.3), r([G], 0.3), r([B, H]), r([B, H])];
}

/** Runs a layer function on the inputs (c0 only for the LSTM); returns its outputs as a list. */
function apply(
  fn: typeof recurrentLayer,
  mode: RecurrentMode,
  xs: Tensor[],
  opts: Parameters<typeof recurrentLayer>[8],
) {
  const r = fn(mode, xs[0], xs[1], xs[2], xs[3], xs[4], xs[5], mode === "lstm" ? xs[6] : null, opts);
  return [r.output, r.hN, ...(r.cN ? [r.cN] : [])];
}

function runBoth(
  mode: RecurrentMode,
  dtype: "float32" | "float64",
  opts: { reverse?: boolean; lengths?: Int32Array | null },
) {
  gs.manualSeed(7);
  const base = layerInputs(mode, 5, 3, 2, 4, dtype);
  const run = (fn: typeof recurrentLayer) => {
    const xs = base.map((t) => t.detach().clone().requiresGrad_());
    const outs = apply(fn, mode, xs, opts);
    outs
      .map((o, k) => o.mul(gs.linspace(-1, 1 + k, o.numel(), { dtype }).reshape(o.shape)).sum())
      .reduce((a, b) => a.add(b))
      .backward();
    return { outs, grads: (mode === "lstm" ? xs : xs.slice(0, 6)).map((x) => x.grad!) };
  };
  return { fused: run(recurrentLayer), composed: run(recurrentLayerComposed) };
}

for (const mode of MODES)
  test(`fused ${mode} layer equals the composition: forward, backward, reverse, padded lengths`, () => {
    for (const dtype of ["float64", "float32"] as const)
      for (const opts of [
        {},
        { reverse: true },
        { lengths: Int32Array.from([5, 2, 3]) },
        { reverse: true, lengths: Int32Array.from([1, 5, 0]) },
      ]) {
        const { fused, composed } = runBoth(mode, dtype, opts);
        const tol = dtype === "float64" ? 1e-10 : 2e-5;
        const what = `${mode} ${dtype} reverse=${opts.reverse ?? false} lengths=${opts.lengths ? [...opts.lengths] : "-"}`;
        fused.outs.forEach((o, k) => assertClose(o, composed.outs[k], tol, `${what} output ${k}`));
        fused.grads.forEach((g, k) => assertClose(g, composed.grads[k], tol, `${what} grad of input ${k}`));
      }
  });

for (const mode of MODES)
  test(`gradcheck (float64) of the fused ${mode} layer, forward and reverse, with padding`, () => {
    gs.manualSeed(11);
    const xs = layerInputs(mode, 3, 2, 2, 3, "float64");
    if (mode !== "lstm") xs[6].requiresGrad = false;
    const lengths = Int32Array.from([3, 2]);
    for (const reverse of [false, true])
      assert.ok(
        gs.autograd.gradcheck((...ins) => apply(recurrentLayer, mode, ins, { reverse, lengths }), xs),
      );
  });

test("a second backward through the same fused layer is a clear error", () => {
  const xs = layerInputs("lstm", 2, 1, 2, 2, "float32");
  const y = recurrentLayer("lstm", xs[0], xs[1], xs[2], xs[3], xs[4], xs[5], xs[6]).output.sum();
  y.backward();
  assert.throws(() => y.backward(), /backward through the same recurrent layer a second time/);
});

test("fused layers without biases equal the composition", () => {
  for (const mode of MODES) {
    gs.manualSeed(13);
    const base = layerInputs(mode, 4, 2, 3, 5, "float64");
    const run = (fn: typeof recurrentLayer) => {
      const xs = base.map((t) => t.detach().clone().requiresGrad_());
      const r = fn(mode, xs[0], xs[1], xs[2], null, null, xs[5], mode === "lstm" ? xs[6] : null);
      r.output.sum().add(r.hN.mul(2).sum()).backward();
      return [r.output, xs[0].grad!, xs[1].grad!, xs[2].grad!, xs[5].grad!];
    };
    const a = run(recurrentLayer);
    const b = run(recurrentLayerComposed);
    a.forEach((t, k) => assertClose(t, b[k], 1e-10, `${mode} no bias, tensor ${k}`));
  }
});
