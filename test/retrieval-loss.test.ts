// infoNCE (MultipleNegativesRankingLoss): PyTorch parity (scripts/fixtures/make_info_nce_fixture.py) and gradcheck.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as gs from "../src/index.js";
import { repoRoot, type FixtureTensor } from "./helpers/fixtures.js";

const F = gs.nn.functional;

interface Case {
  name: string;
  scale: number;
  symmetric: boolean;
  similarity: "cos" | "dot";
  q: FixtureTensor;
  d: FixtureTensor;
  loss: number;
  grad_q: FixtureTensor;
  grad_d: FixtureTensor;
}

const fixture = JSON.parse(
  readFileSync(path.join(repoRoot, "test/fixtures/torch/info_nce.json"), "utf8"),
) as {
  cases: Case[];
};

function near(actual: ArrayLike<number>, expected: number[], tol: number, what: string): void {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < expected.length; i++)
    assert.ok(
      Math.abs(actual[i] - expected[i]) <= tol * (1 + Math.abs(expected[i])),
      `${what}[${i}]: ${actual[i]} vs ${expected[i]}`,
    );
}

for (const c of fixture.cases)
  for (const dtype of ["float64", "float32"] as const)
    test(`infoNCE ${c.name} (${dtype}) matches PyTorch, loss and gradients`, () => {
      const q = gs.tensor(c.q.data, { dtype, requiresGrad: true }).reshape(c.q.shape);
      const d = gs.tensor(c.d.data, { dtype, requiresGrad: true }).reshape(c.d.shape);
      q.retainGrad();
      d.retainGrad();
      const loss = F.infoNCE(q, d, { scale: c.scale, symmetric: c.symmetric, similarity: c.similarity });
      loss.backward();
      const tol = dtype === "float64" ? 1e-10 : 1e-4;
      near([loss.item()], [c.loss], tol, "loss");
      near(q.grad!.toArray(), c.grad_q.data, tol, "grad q");
      near(d.grad!.toArray(), c.grad_d.data, tol, "grad d");
    });

test("infoNCE gradcheck in float64: plain, symmetric, extra negatives, dot", () => {
  gs.manualSeed(3);
  for (const opts of [{}, { symmetric: true }, { similarity: "dot" as const, scale: 0.7, symmetric: true }]) {
    const q = gs.randn([3, 4], { dtype: "float64", requiresGrad: true });
    const d = gs.randn([5, 4], { dtype: "float64", requiresGrad: true });
    assert.equal(
      gs.autograd.gradcheck((a, b) => F.infoNCE(a, b, opts), [q, d]),
      true,
    );
  }
  const x = gs.randn([3, 5], { dtype: "float64", requiresGrad: true });
  assert.equal(
    gs.autograd.gradcheck((a) => F.normalize(a), [x]),
    true,
  );
});

test("infoNCE: a perfect match scores near zero; bad shapes and scales are named", () => {
  const e = gs.eye(4);
  assert.ok(F.infoNCE(e, e).item() < 1e-7);
  assert.throws(
    () => F.infoNCE(gs.zeros([3, 4]), gs.zeros([2, 4])),
    /infoNCE: expected queries \(B, E\) and documents \(B \+ extra, E\), got \[3, 4\] and \[2, 4\]/,
  );
  assert.throws(() => F.infoNCE(e, e, { scale: 0 }), /scale must be > 0/);
});
