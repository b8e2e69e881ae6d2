// nn.MultiheadAttention: PyTorch parity, masks against a hand composition, float64 gradcheck, bad input.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as gs from "../src/index.js";
import { assertClose, loadFixture } from "./helpers/fixtures.js";
import { checkModuleParity } from "./helpers/parity.js";

const nn = gs.nn;

test("MultiheadAttention matches PyTorch: cross-attention with averaged weights", () => {
  const fx = loadFixture("nn_mha_cross");
  const cfg = fx.config as { embed_dim: number; num_heads: number; batch_first: boolean };
  const mha = new nn.MultiheadAttention(cfg.embed_dim, cfg.num_heads, { batchFirst: cfg.batch_first });
  checkModuleParity(fx, mha, ({ q, kv }) => {
    const [out, weights] = mha.forward(q, kv, kv);
    return { out, weights: weights! };
  });
});

test("MultiheadAttention matches PyTorch: causal self-attention without weights", () => {
  const fx = loadFixture("nn_mha_self_causal");
  const cfg = fx.config as { embed_dim: number; num_heads: number; batch_first: boolean };
  const mha = new nn.MultiheadAttention(cfg.embed_dim, cfg.num_heads, { batchFirst: cfg.batch_first });
  checkModuleParity(fx, mha, ({ x }) => {
    const L = x.shape[1];
    const [out, weights] = mha.forward(x, x, x, {
      attnMask: nn.functional.causalMask(L),
      needWeights: false,
    });
    assert.equal(weights, null);
    return { out };
  });
});

test("MultiheadAttention: parameter names, shapes and init as PyTorch's", () => {
  gs.manualSeed(0);
  const same = new nn.MultiheadAttention(8, 2);
  assert.deepEqual(
    Object.entries(same.stateDict()).map(([k, t]) => [k, [...t.shape]]),
    [
      ["in_proj_weight", [24, 8]],
      ["in_proj_bias", [24]],
      ["out_proj.weight", [8, 8]],
      ["out_proj.bias", [8]],
    ],
  );
  assert.equal(same.in_proj_bias!.abs().sum().item(), 0);
  assert.equal(same.out_proj.bias!.abs().sum().item(), 0);
  // Xavier-uniform bound for (24, 8): sqrt(6 / 32).
  assert.ok((same.in_proj_weight!.abs().max() as gs.Tensor).item() <= Math.sqrt(6 / 32));
  const sep = new nn.MultiheadAttention(8, 2, { kdim: 3, vdim: 5, bias: false });
  assert.deepEqual(
    Object.entries(sep.stateDict()).map(([k, t]) => [k, [...t.shape]]),
    [
      ["q_proj_weight", [8, 8]],
      ["k_proj_weight", [8, 3]],
      ["v_proj_weight", [8, 5]],
      ["out_proj.weight", [8, 8]],
    ],
  );
  assert.match(
    String(same),
    /\(out_proj\): NonDynamicallyQuantizableLinear\(in_features=8, out_features=8, bias=True\)/,
  );
});

/** The attention written out per batch element and head, with the mask as a float (-inf) table. */
function handAttention(
  mha: gs.nn.MultiheadAttention,
  q: gs.Tensor,
  k: gs.Tensor,
  v: gs.Tensor,
  mask: (b: number, h: number) => gs.Tensor | null,
): { out: gs.Tensor; weights: gs.Tensor } {
  const [N, , E] = q.shape;
  const H = mha.numHeads;
  const hd = E / H;
  const W = mha.in_proj_weight!;
  const B = mha.in_proj_bias!;
  const proj = (x: gs.Tensor, i: number) => x.matmul(W.narrow(0, i * E, E).mT).add(B.narrow(0, i * E, E));
  const outs: gs.Tensor[] = [];
  const ws: gs.Tensor[] = [];
  for (let b = 0; b < N; b++) {
    const heads: gs.Tensor[] = [];
    let wSum: gs.Tensor | null = null;
    for (let h = 0; h < H; h++) {
      const qh = proj(q.select(0, b), 0).narrow(1, h * hd, hd);
      const kh = proj(k.select(0, b), 1).narrow(1, h * hd, hd);
      const vh = proj(v.select(0, b), 2).narrow(1, h * hd, hd);
      let scores = qh.matmul(kh.mT).div(Math.sqrt(hd));
      const m = mask(b, h);
      if (m) scores = scores.add(m);
      const w = scores.softmax(-1);
      heads.push(w.matmul(vh));
      wSum = wSum ? wSum.add(w) : w;
    }
    outs.push(gs.cat(heads, 1).matmul(mha.out_proj.weight.mT).add(mha.out_proj.bias!));
    ws.push(wSum!.div(H));
  }
  return { out: gs.stack(outs), weights: gs.stack(ws) };
}

const negInf = (m: gs.Tensor) => gs.zeros(m.shape, { dtype: "float64" }).maskedFill(m, -Infinity);

test("MultiheadAttention masks (causal, key padding, both, 3-d per head, float) equal the composition", () => {
  gs.manualSeed(3);
  const [N, L, S, E, H] = [2, 4, 5, 6, 3];
  const mha = new nn.MultiheadAttention(E, H, { batchFirst: true }).double();
  const q = gs.randn([N, L, E], { dtype: "float64" });
  const kv = gs.randn([N, S, E], { dtype: "float64" });
  const causal = nn.functional.causalMask(L, S); // (L, S) bool
  const pad = gs.tensor(
    [
      [false, false, false, true, true],
      [false, false, false, false, false],
    ],
    { dtype: "bool" },
  );
  const padRow = (b: number) => pad.select(0, b).unsqueeze(0); // (1, S)
  const cases: [
    string,
    gs.nn.MultiheadAttentionForwardOptions,
    (b: number, h: number) => gs.Tensor | null,
  ][] = [
    ["causal", { attnMask: causal }, () => negInf(causal)],
    ["isCausal", { isCausal: true }, () => negInf(causal)],
    ["key padding", { keyPaddingMask: pad }, (b) => negInf(padRow(b))],
    ["both", { attnMask: causal, keyPaddingMask: pad }, (b) => negInf(causal.logicalOr(padRow(b)))],
    [
      "float causal + bool padding",
      { attnMask: negInf(causal), keyPaddingMask: pad },
      (b) => negInf(causal.logicalOr(padRow(b))),
    ],
  ];
  // A 3-d mask: row b·H + h belongs to batch element b and head h.
  const diagonal = gs.arange(S).unsqueeze(0).eq(gs.arange(L).unsqueeze(1));
  const perHead = gs
    .rand([N * H, L, S])
    .lt(0.4)
    .logicalAnd(diagonal.logicalNot()); // no row fully masked
  cases.push(["3-d per head", { attnMask: perHead }, (b, h) => negInf(perHead.select(0, b * H + h))]);
  for (const [name, opts, mask] of cases) {
    const [out, weights] = mha.forward(q, kv, kv, opts);
    const want = handAttention(mha, q, kv, kv, mask);
    assertClose(out, want.out.toArray(), 1e-10, `${name}: output`);
    assertClose(weights!, want.weights.toArray(), 1e-10, `${name}: weights`);
  }
});

test("MultiheadAttention layouts: (L, N, E) and unbatched give the batch-first results; per-head weights", () => {
  gs.manualSeed(4);
  const mhaBF = new nn.MultiheadAttention(8, 2, { batchFirst: true }).double();
  const mhaSF = new nn.MultiheadAttention(8, 2).double();
  mhaSF.loadStateDict(mhaBF.stateDict());
  const q = gs.randn([3, 4, 8], { dtype: "float64" });
  const kv = gs.randn([3, 6, 8], { dtype: "float64" });
  const pad = gs.rand([3, 6]).lt(0.3);
  const [y, w] = mhaBF.forward(q, kv, kv, { keyPaddingMask: pad });
  const [y2, w2] = mhaSF.forward(q.transpose(0, 1), kv.transpose(0, 1), kv.transpose(0, 1), {
    keyPaddingMask: pad,
  });
  assertClose(y2.transpose(0, 1), y.toArray(), 1e-12, "seq-first output");
  assertClose(w2!, w!.toArray(), 1e-12, "seq-first weights");
  const [y1, w1] = mhaBF.forward(q.select(0, 1), kv.select(0, 1), kv.select(0, 1), {
    keyPaddingMask: pad.select(0, 1),
  });
  assertClose(y1, y.select(0, 1).toArray(), 1e-12, "unbatched output");
  assertClose(w1!, w!.select(0, 1).toArray(), 1e-12, "unbatched weights");
  const [, perHead] = mhaBF.forward(q, kv, kv, { averageAttnWeights: false });
  assert.deepEqual(perHead!.shape, [3, 2, 4, 6]);
  assertClose(perHead!.sum(-1), gs.ones([3, 2, 4]).toArray(), 1e-12, "rows sum to 1");
});

test("gradcheck in float64: MultiheadAttention (self with mask, and separate kdim/vdim)", () => {
  gs.manualSeed(5);
  const mha = new nn.MultiheadAttention(4, 2, { batchFirst: true }).double();
  const x = gs.randn([2, 3, 4], { dtype: "float64", requiresGrad: true });
  const pad = gs.tensor(
    [
      [false, false, true],
      [false, false, false],
    ],
    { dtype: "bool" },
  );
  assert.ok(
    gs.autograd.gradcheck(
      (t) => mha.forward(t, t, t, { isCausal: true, keyPaddingMask: pad })[0],
      [x, mha.in_proj_weight!, mha.in_proj_bias!, mha.out_proj.weight],
    ),
  );
  const cross = new nn.MultiheadAttention(4, 2, { kdim: 3, vdim: 5 }).double();
  const q = gs.randn([2, 1, 4], { dtype: "float64", requiresGrad: true });
  const k = gs.randn([3, 1, 3], { dtype: "float64", requiresGrad: true });
  const v = gs.randn([3, 1, 5], { dtype: "float64", requiresGrad: true });
  assert.ok(
    gs.autograd.gradcheck(
      (a, b, c) => cross.forward(a, b, c)[0],
      [q, k, v, cross.k_proj_weight!, cross.v_proj_weight!],
    ),
  );
});

test("MultiheadAttention: dropout on the weights only while training", () => {
  gs.manualSeed(6);
  const mha = new nn.MultiheadAttention(8, 2, { dropout: 0.5, batchFirst: true });
  const x = gs.randn([2, 5, 8]);
  const [, w] = mha.forward(x, x, x);
  assert.ok((w!.eq(0).sum().item() as number) > 0, "some weights dropped while training");
  mha.eval();
  const [a] = mha.forward(x, x, x);
  const [b] = mha.forward(x, x, x);
  assertClose(a, b.toArray(), 0, "eval is deterministic");
});

test("MultiheadAttention: causal self-attention with dropout takes GPT's op and drops what the general path drops", () => {
  const mha = new nn.MultiheadAttention(8, 2, { dropout: 0.3, batchFirst: true });
  const x = gs.randn([2, 6, 8]);
  const causal = gs.full([6, 6], -Infinity).triu(1); // -inf above the diagonal: the causal mask as scores
  gs.manualSeed(11);
  const [fused] = mha.forward(x, x, x, { isCausal: true, needWeights: false });
  gs.manualSeed(11);
  const [general] = mha.forward(x, x, x, { attnMask: causal, needWeights: false });
  assertClose(fused, general.toArray(), 1e-5, "same dropout mask on both paths");
  gs.manualSeed(12);
  const [other] = mha.forward(x, x, x, { isCausal: true, needWeights: false });
  assert.ok((other.sub(fused).abs().max().item() as number) > 1e-3, "another seed drops others");
  // No (N, H, L, L) dropout: the fused kernel where the backend takes it, causal attention's composition
  // (its dropout on the probabilities, and no general-path mask) where it prefers that.
  const profile = new Map(
    gs.profileKernels(() => mha.forward(x, x, x, { isCausal: true, needWeights: false })).kernels,
  );
  const fusedKernel = !gs.backend().preferComposition.includes("causalAttention");
  assert.equal(profile.get("causalAttention")?.calls ?? 0, fusedKernel ? 1 : 0);
  assert.equal(profile.get("dropout")?.calls ?? 0, fusedKernel ? 0 : 1);
});

test("MultiheadAttention: clear errors for bad sizes and masks", () => {
  assert.throws(
    () => new nn.MultiheadAttention(10, 3),
    /embedDim \(10\) must be divisible by numHeads \(3\)/,
  );
  const mha = new nn.MultiheadAttention(8, 2, { batchFirst: true });
  const q = gs.randn([2, 4, 8]);
  const kv = gs.randn([2, 5, 8]);
  assert.throws(
    () => mha.forward(q, kv, kv, { attnMask: gs.zeros([4, 4], { dtype: "bool" }) }),
    /2-d attnMask has shape \[4, 4\], expected \[4, 5\]/,
  );
  assert.throws(
    () => mha.forward(q, kv, kv, { attnMask: gs.zeros([2, 4, 5], { dtype: "bool" }) }),
    /3-d attnMask has shape \[2, 4, 5\], expected \[4, 4, 5\]/,
  );
  assert.throws(
    () => mha.forward(q, kv, kv, { keyPaddingMask: gs.zeros([2, 4], { dtype: "bool" }) }),
    /keyPaddingMask has shape \[2, 4\], expected \[2, 5\]/,
  );
  assert.throws(
    () => mha.forward(q, kv, kv, { keyPaddingMask: gs.zeros([2, 5], { dtype: "int32" }) }),
    /keyPaddingMask must be bool .* got int32/,
  );
  assert.throws(
    () => mha.forward(gs.randn([2, 4, 6]), kv, kv),
    /query \[2, 4, 6\] must have last dim embedDim=8/,
  );
  assert.throws(() => mha.forward(q, gs.randn([3, 5, 8]), gs.randn([3, 5, 8])), /same batch size N/);
  assert.throws(() => mha.forward(q, kv, gs.randn([2, 6, 8])), /same length S/);
  assert.throws(
    () => mha.forward(q, gs.randn([5, 8]), gs.randn([5, 8])),
    /all be 3-d \(batched\) or all 2-d/,
  );
});
