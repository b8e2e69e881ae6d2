// gs.nn.init: bounds and statistics of the initialisers, gains, fans, reproducibility, bad input.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as gs from "../src/index.js";

const init = gs.nn.init;

function stats(t: gs.Tensor) {
  const v = Array.from(t.toArray());
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
  return { mean, std, min: Math.min(...v), max: Math.max(...v) };
}

const near = (got: number, want: number, tol: number, what: string) =>
  assert.ok(Math.abs(got - want) <= tol, `${what}: got ${got}, want ${want} ± ${tol}`);

test("Linear's default init: weight and bias in U(-1/√in, 1/√in)", () => {
  gs.manualSeed(1);
  const lin = new gs.nn.Linear(100, 200);
  const bound = 1 / Math.sqrt(100);
  const w = stats(lin.weight);
  assert.ok(w.min >= -bound && w.max <= bound);
  assert.ok(w.max > 0.99 * bound && w.min < -0.99 * bound);
  near(w.std, bound / Math.sqrt(3), 0.002, "weight std");
  const b = stats(lin.bias!);
  assert.ok(b.min >= -bound && b.max <= bound);
});

test("uniform_ and normal_ have the asked range, mean and std", () => {
  gs.manualSeed(2);
  const u = stats(init.uniform_(gs.zeros([20000]), -2, 3));
  assert.ok(u.min >= -2 && u.max <= 3);
  near(u.mean, 0.5, 0.05, "uniform mean");
  near(u.std, 5 / Math.sqrt(12), 0.03, "uniform std");
  const n = stats(init.normal_(gs.zeros([20000]), 1, 2));
  near(n.mean, 1, 0.05, "normal mean");
  near(n.std, 2, 0.05, "normal std");
  const d = stats(init.normal_(gs.zeros([20000], { dtype: "float64" }), 0, 0.02));
  near(d.std, 0.02, 0.001, "float64 normal std");
});

test("xavierUniform_ and xavierNormal_ follow gain · √(6 or 2 / (fanIn + fanOut))", () => {
  gs.manualSeed(3);
  const bound = Math.sqrt(6 / (200 + 300));
  const u = stats(init.xavierUniform_(gs.zeros([300, 200])));
  assert.ok(u.min >= -bound && u.max <= bound && u.max > 0.99 * bound);
  const g = init.calculateGain("tanh");
  const ug = stats(init.xavierUniform_(gs.zeros([300, 200]), { gain: g }));
  assert.ok(ug.max <= g * bound && ug.max > 0.99 * g * bound);
  const n = stats(init.xavierNormal_(gs.zeros([300, 200]), { gain: 2 }));
  near(n.std, 2 * Math.sqrt(2 / 500), 0.003, "xavierNormal_ std");
});

test("kaimingUniform_ and kaimingNormal_: gain from the nonlinearity, fan from the mode", () => {
  gs.manualSeed(4);
  const w = gs.zeros([300, 100]);
  const u = stats(init.kaimingUniform_(w));
  const bound = Math.sqrt(2) * Math.sqrt(3 / 100); // leaky_relu with a = 0
  assert.ok(u.max <= bound && u.max > 0.99 * bound && u.min >= -bound);
  const out = stats(init.kaimingUniform_(w, { mode: "fan_out", nonlinearity: "relu" }));
  assert.ok(out.max <= Math.sqrt(6 / 300) && out.max > 0.99 * Math.sqrt(6 / 300));
  const lin = stats(init.kaimingUniform_(w, { a: Math.sqrt(5) }));
  assert.ok(lin.max <= 0.1 && lin.max > 0.099, "a = √5 gives 1/√fanIn");
  const n = stats(init.kaimingNormal_(w, { nonlinearity: "relu" }));
  near(n.std, Math.sqrt(2 / 100), 0.003, "kaimingNormal_ std");
  assert.throws(
    () => init.kaimingUniform_(w, { mode: "fan_avg" as "fan_in" }),
    /kaimingUniform_: mode must be "fan_in" or "fan_out", got "fan_avg"/,
  );
});

test("calculateGain and fans match PyTorch's", () => {
  near(init.calculateGain("linear"), 1, 0, "linear");
  near(init.calculateGain("sigmoid"), 1, 0, "sigmoid");
  near(init.calculateGain("tanh"), 5 / 3, 1e-15, "tanh");
  near(init.calculateGain("relu"), Math.SQRT2, 1e-15, "relu");
  near(init.calculateGain("leaky_relu"), Math.sqrt(2 / (1 + 0.01 ** 2)), 1e-15, "leaky_relu");
  near(init.calculateGain("leaky_relu", 0.2), Math.sqrt(2 / 1.04), 1e-15, "leaky_relu 0.2");
  near(init.calculateGain("selu"), 0.75, 0, "selu");
  assert.throws(
    () => init.calculateGain("swish" as "relu"),
    /calculateGain: unsupported nonlinearity "swish"/,
  );
  assert.deepEqual(init.calculateFanInAndFanOut(gs.zeros([4, 3, 5])), [15, 20]);
  assert.throws(
    () => init.xavierUniform_(gs.zeros([5])),
    /xavierUniform_: fan in and fan out cannot be computed for a tensor with fewer than 2 dims, got shape \[5\]/,
  );
});

test("truncNormal_ stays in [a, b]; constant_, zeros_, ones_ work on parameters without noGrad", () => {
  gs.manualSeed(5);
  const t = stats(init.truncNormal_(gs.zeros([10000]), { std: 0.02, a: -0.04, b: 0.04 }));
  assert.ok(t.min >= -0.04 && t.max <= 0.04);
  near(t.mean, 0, 0.001, "truncNormal_ mean");
  assert.throws(
    () => init.truncNormal_(gs.zeros([3]), { a: 50, b: 51 }),
    /truncNormal_: \[50, 51\] holds too little/,
  );
  const p = new gs.nn.Parameter(gs.zeros([2, 2]));
  assert.deepEqual(init.constant_(p, 0.5).tolist(), [
    [0.5, 0.5],
    [0.5, 0.5],
  ]);
  assert.deepEqual(init.ones_(p).tolist(), [
    [1, 1],
    [1, 1],
  ]);
  assert.deepEqual(init.zeros_(p).tolist(), [
    [0, 0],
    [0, 0],
  ]);
  assert.ok(p.requiresGrad && p.isLeaf);
});

test("initialisers write through views, refuse integer tensors, and are reproducible", () => {
  const base = gs.zeros([3, 4]);
  init.ones_(base.T.narrow(0, 1, 2));
  assert.deepEqual(base.tolist(), [
    [0, 1, 1, 0],
    [0, 1, 1, 0],
    [0, 1, 1, 0],
  ]);
  assert.throws(() => init.normal_(gs.arange(3)), /normal_: expects a floating-point tensor, got int32/);
  assert.throws(() => init.uniform_(gs.zeros([2]), 1, 0), /uniform_: expects a <= b, got a=1, b=0/);
  gs.manualSeed(7);
  const a = new gs.nn.Linear(5, 3).weight.tolist();
  gs.manualSeed(7);
  assert.deepEqual(new gs.nn.Linear(5, 3).weight.tolist(), a);
  // A private generator gives the same draws for the same seed and leaves the default one alone.
  const state = gs.getRngState();
  const x = init.normal_(gs.zeros([4]), 0, 1, { generator: new gs.Generator(9) }).tolist();
  assert.deepEqual(init.normal_(gs.zeros([4]), 0, 1, { generator: new gs.Generator(9) }).tolist(), x);
  assert.deepEqual(gs.getRngState(), state);
});
