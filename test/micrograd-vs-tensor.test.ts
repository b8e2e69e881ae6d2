// The teaching engine and the tensor engine agree on values and gradients for the same expressions.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as gs from "../src/index.js";

const { Value } = gs.micrograd;

test("micrograd Value matches the tensor engine on the same expression", () => {
  const inputs = [-4, 2, 0.7];
  // The same expression written against both APIs.
  const [a, b, c] = inputs.map((v) => new Value(v));
  const [ta, tb, tc] = inputs.map((v) => gs.tensor([v], { dtype: "float64", requiresGrad: true }));
  const out = a
    .mul(b)
    .add(b.pow(3))
    .sub(c.tanh().mul(a))
    .div(b.relu().add(1))
    .add(c.exp())
    .add(a.neg().relu().pow(2));
  const tout = ta
    .mul(tb)
    .add(tb.pow(3))
    .sub(tc.tanh().mul(ta))
    .div(tb.relu().add(1))
    .add(tc.exp())
    .add(ta.neg().relu().pow(2));
  out.backward();
  tout.backward();
  assert.ok(Math.abs(out.data - tout.item()) < 1e-12);
  [a, b, c].forEach((v, i) =>
    assert.ok(Math.abs(v.grad - [ta, tb, tc][i].grad!.item()) < 1e-12, `grad ${i}`),
  );
});

test("a micrograd MLP and a tensor MLP with the same weights give the same output and gradients", () => {
  const mlp = new gs.micrograd.MLP(3, [4, 1]);
  const x = [0.5, -1, 2];
  const [y] = mlp.forward(x);
  y.backward();
  // Rebuild the same weights as tensors: each neuron holds [w..., b] in parameters() order.
  const params = mlp.parameters();
  const take = (n: number) => params.splice(0, n).map((p) => p.data);
  const layer = (nin: number, nout: number) => {
    const rows = Array.from({ length: nout }, () => take(nin + 1));
    const w = gs.tensor(
      rows.map((r) => r.slice(0, nin)),
      { dtype: "float64", requiresGrad: true },
    );
    const bias = gs.tensor(
      rows.map((r) => r[nin]),
      { dtype: "float64", requiresGrad: true },
    );
    return { w, bias };
  };
  const l1 = layer(3, 4);
  const l2 = layer(4, 1);
  const h = gs.nn.functional.linear(gs.tensor(x, { dtype: "float64" }), l1.w, l1.bias).tanh();
  const ty = gs.nn.functional.linear(h, l2.w, l2.bias);
  ty.sum().backward();
  assert.ok(Math.abs(y.data - ty.item()) < 1e-12);
  const grads = mlp.parameters().map((p) => p.grad);
  const tgrads = [l1, l2].flatMap(({ w, bias }) => {
    const gw = w.grad!.tolist() as number[][];
    const gb = bias.grad!.tolist() as number[];
    return gw.flatMap((row, i) => [...row, gb[i]]);
  });
  grads.forEach((g, i) => assert.ok(Math.abs(g - tgrads[i]) < 1e-12, `param ${i}`));
});
