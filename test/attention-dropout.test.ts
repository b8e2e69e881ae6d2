/**
 * Dropout inside the fused causal attention kernels (run on each backend of the suite: cpu-js's
 * reference, the addon, wasm). The kernel's mask is the `dropout` kernel's on the (B, nh, T, T)
 * probabilities under the same key, bit for bit; fused equals composed with the same generator
 * (values and gradients); a float64 gradcheck under a fixed mask; p = 0 and eval mode are the kernel
 * without dropout exactly and draw nothing; the addon's kernels on each instruction set it compiles.
 * test/webgpu/attention.test.ts checks the WGSL twin.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import * as gs from "../src/index.js";
import type { Tensor } from "../src/index.js";
import {
  causalAttentionKernel,
  causalSelfAttention,
  causalSelfAttentionComposed,
} from "../src/ops/fused/attention.js";
import { drawDropoutMask } from "../src/ops/dropout.js";
import { causalAttentionBackwardJs, causalAttentionJs } from "../src/backend/fused-js.js";
import { kernels } from "../src/backend/index.js";
import type { DropoutMask } from "../src/backend/types.js";
import { assertClose } from "./helpers/fixtures.js";
import { keptByAttention, keptByDropoutKernel } from "./helpers/attention-mask.js";

/** A fixed mask of probability p under the key that Generator(seed) draws. */
function maskOf(p: number, seed: number): DropoutMask {
  const m = drawDropoutMask(p, true, new gs.Generator(seed));
  assert.ok(typeof m === "object");
  return m;
}

test("the kernel's mask is the dropout kernel's on the (B, nh, T, T) probabilities, bit for bit", async () => {
  const be = kernels();
  for (const [B, nh, T, p, seed] of [
    [1, 1, 1, 0.5, 1],
    [2, 3, 7, 0.2, 2],
    [1, 2, 33, 0.6, 3], // rows off a Philox block and past a 16-lane group
  ]) {
    const mask = maskOf(p, seed);
    const want = keptByDropoutKernel(B, nh, T, mask);
    for (const [name, causalAttention] of [
      ["cpu-js reference", causalAttentionJs],
      [be.name, be.causalAttention.bind(be)],
    ] as const) {
      const got = await keptByAttention(B, nh, T, (qkv) => {
        const out = new Float32Array(B * T * nh * T);
        causalAttention(qkv, out, new Float32Array(B * nh * T), B, T, nh, T, 1, mask);
        return out;
      });
      assert.deepEqual(got, want, `${name} B=${B} nh=${nh} T=${T}`);
    }
    // The op too, from the same generator draws as the composition's dropout.
    const got = await keptByAttention(B, nh, T, (qkv) => {
      const x = gs.tensor(qkv, { shape: [B, T, 3 * nh * T] });
      return causalSelfAttention(x, nh, { dropoutP: p, generator: new gs.Generator(seed) }).toArray();
    });
    assert.deepEqual(got, want, `op B=${B} nh=${nh} T=${T}`);
  }
});

test("the backend's kernel with dropout equals the float64 reference, forward and backward", () => {
  const be = kernels();
  for (const [B, T, nh, hs, p] of [
    [2, 5, 2, 3, 0.3],
    [1, 37, 3, 16, 0.2], // a head size of 16: whole vectors
    [2, 20, 1, 32, 0.5], // the compiled hs = 32 path
    [1, 19, 2, 64, 0.1], // and hs = 64
  ]) {
    gs.manualSeed(B * 1000 + T);
    const C = nh * hs;
    const mask = maskOf(p, T);
    const qkv = gs.randn([B, T, 3 * C]).toArray() as Float32Array;
    const dout = gs.randn([B, T, C]).toArray() as Float32Array;
    const [q64, d64] = [Float64Array.from(qkv), Float64Array.from(dout)];
    const scale = 1 / Math.sqrt(hs);
    const out = new Float32Array(B * T * C);
    const lse = new Float32Array(B * nh * T);
    be.causalAttention(qkv, out, lse, B, T, nh, hs, scale, mask);
    const out64 = new Float64Array(B * T * C);
    const lse64 = new Float64Array(B * nh * T);
    causalAttentionJs(q64, out64, lse64, B, T, nh, hs, scale, mask);
    const what = `${be.name} B=${B} T=${T} nh=${nh} hs=${hs}`;
    assertClose(out, out64, 1e-5, `${what} out`);
    assertClose(lse, lse64, 1e-5, `${what} lse (before dropout)`);
    const dqkv = new Float32Array(qkv.length).fill(NaN);
    be.causalAttentionBackward(qkv, out, dout, lse, dqkv, B, T, nh, hs, scale, mask);
    const dqkv64 = new Float64Array(qkv.length);
    causalAttentionBackwardJs(q64, out64, d64, lse64, dqkv64, B, T, nh, hs, scale, mask);
    assertClose(dqkv, dqkv64, 1e-4, `${what} dqkv`);
  }
});

test(
  "the addon's AVX2 and baseline variants with dropout equal the float64 reference too",
  { skip: kernels().name !== "cpu-native" && "only the addon compiles a variant per instruction set" },
  () => {
    // Each variant has its own register-block shape (native/src/attention.cc): the test above, rerun
    // with the instruction set capped (a CPU without AVX2 runs the baseline for both).
    for (const isa of ["avx2", "generic"]) {
      const res = spawnSync(
        process.execPath,
        [
          "--test",
          "--test-name-pattern=with dropout equals the float64 reference, forward and backward",
          fileURLToPath(import.meta.url),
        ],
        // Without NODE_TEST_CONTEXT (set when node --test runs this file) the child reports in TAP.
        { encoding: "utf8", env: { ...process.env, NODE_TEST_CONTEXT: undefined, GRADSTACK_ISA: isa } },
      );
      assert.equal(res.status, 0, `GRADSTACK_ISA=${isa}: ${res.stdout}${res.stderr}`);
      assert.match(res.stdout, /^# pass 1$/m, `GRADSTACK_ISA=${isa} ran the test`);
      assert.match(res.stdout, /^# fail 0$/m);
    }
  },
);

/** y and the input's gradient of f at a copy of x, under the upstream gradient `up`. */
function valueAndGrad(f: (x: Tensor) => Tensor, x: Tensor, up: Tensor): [Tensor, Tensor] {
  const leaf = x.detach().clone().requiresGrad_();
  const y = f(leaf);
  y.mul(up).sum().backward();
  return [y, leaf.grad!];
}

test("fused equals composed with the same generator: values and gradients, float32 and float64", () => {
  for (const dtype of ["float32", "float64"] as const) {
    for (const [B, T, nh, hs, p] of [
      [2, 9, 2, 5, 0.25],
      [1, 24, 3, 8, 0.5],
    ]) {
      gs.manualSeed(T);
      const qkv = gs.randn([B, T, 3 * nh * hs], { dtype });
      const up = gs.randn([B, T, nh * hs], { dtype });
      const opts = (seed: number) => ({ dropoutP: p, generator: new gs.Generator(seed) });
      const [want, wantGrad] = valueAndGrad((x) => causalSelfAttentionComposed(x, nh, opts(4)), qkv, up);
      const [kern, kernGrad] = valueAndGrad((x) => causalAttentionKernel(x, nh, maskOf(p, 4)), qkv, up);
      const [op, opGrad] = valueAndGrad((x) => causalSelfAttention(x, nh, opts(4)), qkv, up);
      const tol = dtype === "float64" ? 1e-10 : 1e-5;
      const what = `${dtype} B=${B} T=${T} nh=${nh} hs=${hs}`;
      assertClose(kern, want, tol, `${what} kernel`);
      assertClose(kernGrad, wantGrad, tol, `${what} kernel dqkv`);
      assertClose(op, want, tol, `${what} op`);
      assertClose(opGrad, wantGrad, tol, `${what} op dqkv`);
      const [plain] = valueAndGrad((x) => causalSelfAttentionComposed(x, nh), qkv, up);
      assert.ok(Math.abs(plain.sub(want).abs().max().item()) > 1e-3, `${what}: dropout changes the output`);
    }
  }
});

test("gradcheck the kernel with dropout (float64, a fixed mask; odd T and head size)", () => {
  gs.manualSeed(21);
  const x = gs.randn([2, 5, 3 * 2 * 3], { dtype: "float64", requiresGrad: true });
  const mask = maskOf(0.3, 8);
  assert.equal(
    gs.autograd.gradcheck((t) => causalAttentionKernel(t, 2, mask), [x]),
    true,
  );
});

test("p = 0 and eval mode run the kernel without dropout, exactly, and draw nothing", () => {
  gs.manualSeed(5);
  const qkv = gs.randn([2, 6, 12]);
  const plain = causalSelfAttention(qkv, 2).toArray();
  const g = new gs.Generator(9);
  const before = g.getState();
  for (const opts of [{ dropoutP: 0 }, { dropoutP: 0.4, training: false }])
    assert.deepEqual(
      causalSelfAttention(qkv, 2, { ...opts, generator: g }).toArray(),
      plain,
      JSON.stringify(opts),
    );
  assert.deepEqual(g.getState(), before, "no draws");
  // A threshold of 0 is no dropout, whatever the key and scale.
  const none = { key0: 1, key1: 2, threshold: 0, scale: 3 };
  assert.deepEqual(causalAttentionKernel(qkv, 2, none).toArray(), causalAttentionKernel(qkv, 2).toArray());
  // Training with p > 0 draws the key: two words, as the dropout op does.
  causalSelfAttention(qkv, 2, { dropoutP: 0.4, generator: g });
  const twice = new gs.Generator(9);
  twice.nextUint32();
  twice.nextUint32();
  assert.deepEqual(g.getState(), twice.getState(), "two draws");
});

test("causalSelfAttention with dropout runs the kernel (no T×T dropout) where the backend takes it", () => {
  const qkv = gs.randn([2, 4, 12]).requiresGrad_();
  const profile = new Map(
    gs.profileKernels(() => causalSelfAttention(qkv, 2, { dropoutP: 0.2 }).sum().backward()).kernels,
  );
  const fused = !kernels().preferComposition.includes("causalAttention");
  assert.equal(profile.get("causalAttention")?.calls ?? 0, fused ? 1 : 0);
  assert.equal(profile.get("causalAttentionBackward")?.calls ?? 0, fused ? 1 : 0);
  assert.equal(profile.get("dropout")?.calls ?? 0, fused ? 0 : 2);
  // p = 1 drops everything, as the composition does.
  assert.deepEqual(causalSelfAttention(qkv, 2, { dropoutP: 1 }).abs().max().item(), 0);
});
