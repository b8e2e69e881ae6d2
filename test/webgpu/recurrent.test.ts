// The WGSL gate kernels of the fused recurrent layers against cpu-js (float32, 1e-4 relative: the GPU's
// exp and tanh differ from cpu-js's in the last bits): outputs and every gradient, forward and reverse,
// with padded lengths, without biases, over a batch wider than one padding mask; and the RNN, LSTM and
// GRU language models train on webgpu with the CPU's losses.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import * as gs from "../../src/index.js";
import { GATES, recurrentLayer, type RecurrentMode } from "../../src/ops/fused/recurrent.js";
import { assertCloseAsync, GPU, initWebGpu, onGpu } from "./setup.js";

before(initWebGpu);
const TOL = 1e-4;
const MODES: RecurrentMode[] = ["rnn_tanh", "rnn_relu", "lstm", "gru"];

interface LayerCase {
  T: number;
  B: number;
  I: number;
  H: number;
  bias: boolean;
  reverse?: boolean;
  lengths?: Int32Array;
}

/** Outputs and gradients (x, wIh, wHh, [bIh, bHh], h0, [c0]) of one layer on `device`. */
function runLayer(mode: RecurrentMode, base: gs.Tensor[], c: LayerCase, device: string): gs.Tensor[] {
  const xs = base.map((t) => (device === GPU ? onGpu(t, true) : t.detach().clone().requiresGrad_()));
  const [x, wIh, wHh, bIh, bHh, h0, c0] = xs;
  const r = recurrentLayer(
    mode,
    x,
    wIh,
    wHh,
    c.bias ? bIh : null,
    c.bias ? bHh : null,
    h0,
    mode === "lstm" ? c0 : null,
    {
      reverse: c.reverse,
      lengths: c.lengths,
    },
  );
  const outs = [r.output, r.hN, ...(r.cN ? [r.cN] : [])];
  outs
    .map((o, k) => o.mul(gs.linspace(-1, 1 + k, o.numel(), { device: o.device }).reshape(o.shape)).sum())
    .reduce((a, b) => a.add(b))
    .backward();
  const used = [x, wIh, wHh, ...(c.bias ? [bIh, bHh] : []), h0, ...(mode === "lstm" ? [c0] : [])];
  return [...outs, ...used.map((t) => t.grad!)];
}

async function checkLayer(mode: RecurrentMode, c: LayerCase, seed: number): Promise<void> {
  gs.manualSeed(seed);
  const G = GATES[mode] * c.H;
  const r = (shape: number[], scale = 1) => gs.randn(shape).mul(scale);
  const base = [
    r([c.T, c.B, c.I]),
    r([G, c.I], 0.5),
    r([G, c.H], 0.5),
    r([G], 0.3),
    r([G], 0.3),
    r([c.B, c.H]),
    r([c.B, c.H]),
  ];
  const want = runLayer(mode, base, c, "cpu");
  const got = runLayer(mode, base, c, GPU);
  const what = `${mode} ${JSON.stringify({ ...c, lengths: c.lengths && [...c.lengths].slice(0, 6) })}`;
  assert.equal(got.length, want.length);
  for (let k = 0; k < want.length; k++) {
    assert.equal(got[k].device, GPU, `${what}: tensor ${k} stays on the device`);
    await assertCloseAsync(got[k], want[k], TOL, `${what} tensor ${k}`);
  }
}

for (const mode of MODES)
  test(`webgpu ${mode} gates equal cpu-js: forward, backward, reverse, padding, no bias`, async () => {
    const shape = { T: 4, B: 3, I: 2, H: 5 };
    await checkLayer(mode, { ...shape, bias: true }, 1);
    await checkLayer(mode, { ...shape, bias: true, reverse: true }, 2);
    await checkLayer(mode, { ...shape, bias: true, lengths: Int32Array.from([4, 1, 0]) }, 3);
    await checkLayer(mode, { ...shape, bias: true, reverse: true, lengths: Int32Array.from([2, 4, 3]) }, 4);
    await checkLayer(mode, { ...shape, bias: false }, 5);
  });

test("webgpu gates over a batch wider than one padding mask (several dispatches a step)", async () => {
  const B = 1600;
  const lengths = Int32Array.from({ length: B }, (_, b) => (b * 7) % 4);
  await checkLayer("lstm", { T: 3, B, I: 1, H: 2, bias: true, lengths }, 6);
  await checkLayer("gru", { T: 3, B, I: 1, H: 2, bias: true, reverse: true, lengths }, 7);
});

/** Losses of `steps` Adam steps of a character-level RNN language model on fixed tokens, on `device`. */
async function rnnLmLosses(cell: "rnn" | "lstm" | "gru", device: string, steps: number): Promise<number[]> {
  gs.manualSeed(21);
  const lm = new gs.models.RNNLanguageModel({ cell, vocabSize: 7, embedDim: 4, hiddenSize: 6, numLayers: 2 });
  lm.to(device);
  const x = gs.randint(0, 7, [3, 5]).to(device);
  const y = gs.randint(0, 7, [3, 5]).to(device);
  const opt = new gs.optim.Adam(lm.parameters(), { lr: 0.05 });
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const { loss } = lm.forward(x, y);
    opt.zeroGrad();
    loss!.backward();
    opt.step();
    losses.push(await loss!.itemAsync());
  }
  return losses;
}

for (const cell of ["rnn", "lstm", "gru"] as const)
  test(`a 2-layer ${cell} language model trains on webgpu with the CPU's losses`, async () => {
    const cpu = await rnnLmLosses(cell, "cpu", 4);
    const gpu = await rnnLmLosses(cell, GPU, 4);
    for (let i = 0; i < cpu.length; i++)
      assert.ok(
        Math.abs(gpu[i] - cpu[i]) <= TOL * Math.max(1, cpu[i]),
        `${cell} step ${i}: ${gpu[i]} vs ${cpu[i]}`,
      );
    assert.ok(gpu[3] < gpu[0], `${cell}: the loss goes down`);
  });
