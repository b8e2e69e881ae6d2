// Every WGSL kernel against the CPU on random inputs, through the ops that call it (float32: results
// within 1e-5 relative for element-wise ops, 1e-4 for reductions, matmul and fused rows, whose f32 sums
// run in another order than cpu-js's float64 ones).
import { before, test } from "node:test";
import assert from "node:assert/strict";
import * as gs from "../../src/index.js";
import { cpuJs } from "../../src/backend/cpu-js.js";
import { backendFor } from "../../src/tensor/device.js";
import type { MatmulParams, UnaryOp, BinaryOp } from "../../src/backend/types.js";
import type { WebGpuBackend } from "../../src/backend/webgpu/backend.js";
import { probeDevice } from "../../src/backend/webgpu/probe.js";
import { assertCloseAsync, GPU, initWebGpu, onGpu } from "./setup.js";

const F = gs.nn.functional;
before(initWebGpu);

const randn = (shape: number[]) => gs.randn(shape);

test("webgpu unary ops equal the CPU's", async () => {
  gs.manualSeed(1);
  const x = randn([5, 7]).mul(3);
  const pos = x.abs().add(0.1);
  const ops: UnaryOp[] = [
    "neg",
    "exp",
    "tanh",
    "sigmoid",
    "relu",
    "abs",
    "sin",
    "cos",
    "erf",
    "expm1",
    "sign",
    "floor",
    "ceil",
    "round",
  ];
  for (const op of ops) {
    const fn = (t: gs.Tensor) => (t as unknown as Record<string, () => gs.Tensor>)[op].call(t);
    // WGSL guarantees sin and cos to 2^-11 absolute on [-π, π]; the others to a few ULP.
    const tol = op === "sin" || op === "cos" ? 2 ** -11 : 1e-5;
    await assertCloseAsync(fn(onGpu(x)), fn(x), tol, op);
  }
  for (const op of ["log", "sqrt", "rsqrt", "log1p", "reciprocal"] as const) {
    const fn = (t: gs.Tensor) => (t as unknown as Record<string, () => gs.Tensor>)[op].call(t);
    await assertCloseAsync(fn(onGpu(pos)), fn(pos), 1e-5, op);
  }
  const halves = gs.tensor([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5], { dtype: "float32" });
  await assertCloseAsync(onGpu(halves).round(), halves.round(), 0, "round half to even");
  const ints = gs.tensor([-3, 0, 4], { dtype: "int32" });
  await assertCloseAsync(onGpu(ints).neg(), [3, 0, -4], 0, "int32 neg");
  await assertCloseAsync(onGpu(ints).logicalNot(), [0, 1, 0], 0, "not");
});

test("webgpu binary ops with broadcasting, where, comparisons", async () => {
  gs.manualSeed(2);
  const a = randn([3, 1, 4]);
  const b = randn([2, 4]).add(0.5);
  const ops: BinaryOp[] = [
    "add",
    "sub",
    "mul",
    "div",
    "maximum",
    "minimum",
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
  ];
  for (const op of ops) {
    const fn = (x: gs.Tensor, y: gs.Tensor) =>
      (x as unknown as Record<string, (y: gs.Tensor) => gs.Tensor>)[op].call(x, y);
    await assertCloseAsync(fn(onGpu(a), onGpu(b)), fn(a, b), 1e-5, op);
  }
  const base = gs.tensor([-2, -0.5, 0, 0, 3], { dtype: "float32" });
  const expo = gs.tensor([3, 2, 0, 2, -1.5], { dtype: "float32" });
  await assertCloseAsync(onGpu(base).pow(onGpu(expo)), base.pow(expo), 1e-5, "pow with JavaScript's signs");
  // Broadcast a transposed (non-contiguous) view.
  const m = randn([4, 3]);
  await assertCloseAsync(onGpu(m).T.add(onGpu(b).sum(0)), m.T.add(b.sum(0)), 1e-5, "strided add");
  const cond = a.gt(0);
  await assertCloseAsync(gs.where(onGpu(cond), onGpu(a), onGpu(b)), gs.where(cond, a, b), 0, "where");
  const ints = gs.tensor([7, -7, 9], { dtype: "int32" });
  await assertCloseAsync(onGpu(ints).add(onGpu(ints)), [14, -14, 18], 0, "int32 add");
  const nan = gs.tensor([NaN, 1], { dtype: "float32" });
  await assertCloseAsync(
    onGpu(nan).maximum(onGpu(gs.tensor([0, 2], { dtype: "float32" }))),
    [NaN, 2],
    0,
    "maximum keeps NaN",
  );
});

test("webgpu strided copy, cast, fill", async () => {
  gs.manualSeed(3);
  const x = randn([2, 3, 4, 5]);
  const perm = (t: gs.Tensor) => t.permute([3, 1, 0, 2]).contiguous();
  await assertCloseAsync(perm(onGpu(x)), perm(x), 0, "permute copy");
  const slice = (t: gs.Tensor) => t.narrow(3, 1, 3).transpose(0, 2).contiguous();
  await assertCloseAsync(slice(onGpu(x)), slice(x), 0, "narrow + transpose copy");
  const y = x.mul(4);
  await assertCloseAsync(onGpu(y).to("int32"), y.to("int32"), 0, "float32 → int32 truncates");
  await assertCloseAsync(onGpu(y).to("bool"), y.to("bool"), 0, "float32 → bool");
  await assertCloseAsync(
    onGpu(y.to("int32")).to("float32"),
    y.to("int32").to("float32"),
    0,
    "int32 → float32",
  );
  await assertCloseAsync(gs.full([3, 5], 2.5, { device: GPU }), gs.full([3, 5], 2.5), 0, "fill float32");
  await assertCloseAsync(
    gs.full([7], -3, { dtype: "int32", device: GPU }),
    gs.full([7], -3, { dtype: "int32" }),
    0,
    "fill int32",
  );
  const z = gs.zeros([4, 4], { device: GPU });
  z.narrow(0, 1, 2).fill_(1);
  await assertCloseAsync(z, [0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0], 0, "fill a range");
  await assertCloseAsync(
    gs.tensor([true, false, true], { device: GPU }),
    [1, 0, 1],
    0,
    "bool upload and read",
  );
});

test("webgpu reductions and arg-reductions", async () => {
  gs.manualSeed(4);
  const x = randn([3, 70, 5]);
  for (const dim of [0, 1, 2]) {
    await assertCloseAsync(onGpu(x).sum(dim), x.sum(dim), 1e-5, `sum dim ${dim}`);
    await assertCloseAsync(onGpu(x).amax(dim), x.amax(dim), 0, `max dim ${dim}`);
    await assertCloseAsync(onGpu(x).amin(dim), x.amin(dim), 0, `min dim ${dim}`);
    await assertCloseAsync(onGpu(x).argmax(dim), x.argmax(dim), 0, `argmax dim ${dim}`);
    await assertCloseAsync(onGpu(x).argmin(dim), x.argmin(dim), 0, `argmin dim ${dim}`);
  }
  const small = randn([4, 3]).mul(0.5).add(1);
  await assertCloseAsync(onGpu(small).prod(1), small.prod(1), 1e-5, "prod");
  await assertCloseAsync(onGpu(x).sum(), x.sum(), 1e-5, "sum of all");
  const ties = gs.tensor([[1, 3, 3, 0]], { dtype: "float32" });
  await assertCloseAsync(onGpu(ties).argmax(1), [1], 0, "argmax takes the first of equal maxima");
  const ints = gs.tensor([[4, -2, 9]], { dtype: "int32" });
  await assertCloseAsync(onGpu(ints).sum(1), [11], 0, "int32 sum");
});

test("webgpu long reductions with few outputs (two passes: chunks, then the chunks' results)", async () => {
  gs.manualSeed(14);
  const long = randn([2, 9000, 3]); // 6 outputs of 9000 elements: 2 chunks each
  await assertCloseAsync(onGpu(long).sum(1), long.sum(1), 1e-4, "sum of 2 chunks");
  await assertCloseAsync(onGpu(long).amax(1), long.amax(1), 0, "max of 2 chunks");
  await assertCloseAsync(onGpu(long).amin(1), long.amin(1), 0, "min of 2 chunks");
  const near1 = randn([12345]).mul(1e-3).add(1);
  await assertCloseAsync(onGpu(near1).prod(), near1.prod(), 1e-4, "prod of 3 chunks");
  const all = randn([300, 1000]); // 300000 elements in 73 chunks
  await assertCloseAsync(onGpu(all).sum(), all.sum(), 1e-4, "sum of a whole tensor");
  await assertCloseAsync(onGpu(all).square().sum().sqrt(), all.square().sum().sqrt(), 1e-4, "a 2-norm");
  const ints = gs.randint(-50, 50, [20000], { dtype: "int32" });
  await assertCloseAsync(onGpu(ints).sum(), ints.sum(), 0, "int32 sum in chunks");
  const positives = onGpu(all).gt(0).sum();
  await assertCloseAsync(positives, all.gt(0).sum(), 0, "a count of bools in chunks");
});

test("webgpu matmul kernel: batches, transposes, leading dimensions, offsets (vs cpu-js)", async () => {
  gs.manualSeed(5);
  const cases: MatmulParams[] = [
    {
      batch: 1,
      m: 17,
      n: 19,
      k: 33,
      transA: false,
      transB: false,
      lda: 33,
      ldb: 19,
      aOffset: 0,
      bOffset: 0,
      aBatchStride: 0,
      bBatchStride: 0,
    },
    {
      batch: 3,
      m: 5,
      n: 20,
      k: 18,
      transA: true,
      transB: false,
      lda: 7,
      ldb: 21,
      aOffset: 2,
      bOffset: 1,
      aBatchStride: 130,
      bBatchStride: 400,
    },
    {
      batch: 2,
      m: 16,
      n: 9,
      k: 31,
      transA: false,
      transB: true,
      lda: 40,
      ldb: 35,
      aOffset: 3,
      bOffset: 4,
      aBatchStride: 700,
      bBatchStride: 0,
    },
    {
      batch: 2,
      m: 3,
      n: 4,
      k: 40,
      transA: true,
      transB: true,
      lda: 3,
      ldb: 41,
      aOffset: 0,
      bOffset: 5,
      aBatchStride: 120,
      bBatchStride: 170,
    },
  ];
  const gpu = backendFor(GPU);
  for (const p of cases) {
    const a = gs.randn([2000]).storage as Float32Array;
    const b = gs.randn([2000]).storage as Float32Array;
    const want = new Float32Array(p.batch * p.m * p.n);
    cpuJs.matmul(a, b, want, p);
    const out = gs.Tensor.empty([p.batch * p.m * p.n], "float32", GPU);
    gpu.matmul(gpu.upload(a.slice()), gpu.upload(b.slice()), out.storage, p);
    await assertCloseAsync(out, want, 1e-4, `matmul ${JSON.stringify(p)}`);
  }
  const x = randn([2, 3, 6, 5]);
  const y = randn([3, 5, 4]);
  await assertCloseAsync(onGpu(x).matmul(onGpu(y)), x.matmul(y), 1e-4, "broadcast batched matmul");
  await assertCloseAsync(
    onGpu(x).transpose(-1, -2).matmul(onGpu(x)),
    x.transpose(-1, -2).matmul(x),
    1e-4,
    "matmul of a transposed view",
  );
});

test("webgpu index kernels: indexSelect, indexAdd, gather, scatterAdd (forward and backward)", async () => {
  gs.manualSeed(6);
  const x = randn([6, 4]);
  const idx = gs.tensor([5, 0, 5, 2, 5], { dtype: "int32" });
  const xg = onGpu(x, true);
  const xc = x.detach().requiresGrad_();
  const up = randn([5, 4]);
  const yg = xg.indexSelect(0, onGpu(idx));
  const yc = xc.indexSelect(0, idx);
  await assertCloseAsync(yg, yc, 0, "indexSelect");
  yg.mul(onGpu(up)).sum().backward();
  yc.mul(up).sum().backward();
  await assertCloseAsync(xg.grad!, xc.grad!, 1e-5, "indexAdd (indexSelect's gradient, repeated indices)");
  const gidx = gs.tensor(
    [
      [0, 3, 3],
      [1, 1, 0],
      [2, 3, 3],
      [0, 0, 0],
      [3, 2, 1],
      [1, 1, 1],
    ],
    { dtype: "int32" },
  );
  const g2 = onGpu(x, true);
  const c2 = x.detach().requiresGrad_();
  const og = gs.gather(g2, 1, onGpu(gidx));
  const oc = gs.gather(c2, 1, gidx);
  await assertCloseAsync(og, oc, 0, "gather");
  const up2 = randn([6, 3]);
  og.mul(onGpu(up2)).sum().backward();
  oc.mul(up2).sum().backward();
  await assertCloseAsync(g2.grad!, c2.grad!, 1e-5, "scatterAdd (gather's gradient)");
  const dst = gs.zeros([3, 2], { dtype: "int32" });
  const sidx = gs.tensor(
    [
      [0, 2],
      [0, 2],
      [1, 1],
    ],
    { dtype: "int32" },
  );
  const src = gs.tensor(
    [
      [1, 2],
      [3, 4],
      [5, 6],
    ],
    { dtype: "int32" },
  );
  await assertCloseAsync(
    onGpu(dst).scatterAdd(0, onGpu(sidx), onGpu(src)),
    dst.scatterAdd(0, sidx, src),
    0,
    "int32 scatterAdd",
  );
});

test("webgpu fused kernels: softmax, logSoftmax, layerNorm, crossEntropy, GELU, forward and backward", async () => {
  gs.manualSeed(7);
  const x = randn([6, 70]).mul(2);
  await assertCloseAsync(onGpu(x).softmax(-1), x.softmax(-1), 1e-5, "softmax");
  await assertCloseAsync(onGpu(x).logSoftmax(-1), x.logSoftmax(-1), 1e-5, "logSoftmax");
  const w = randn([70]);
  const b = randn([70]);
  const up = randn([6, 70]);
  const run = async (
    what: string,
    fn: (x: gs.Tensor, w: gs.Tensor, b: gs.Tensor) => gs.Tensor,
    tol: number,
  ) => {
    const [xg, wg, bg] = [onGpu(x, true), onGpu(w, true), onGpu(b, true)];
    const [xc, wc, bc] = [x, w, b].map((t) => t.detach().requiresGrad_());
    const yg = fn(xg, wg, bg);
    const yc = fn(xc, wc, bc);
    await assertCloseAsync(yg, yc, tol, what);
    yg.mul(onGpu(up)).sum().backward();
    yc.mul(up).sum().backward();
    await assertCloseAsync(xg.grad!, xc.grad!, tol, `${what}: dx`);
    if (wc.grad) await assertCloseAsync(wg.grad!, wc.grad, tol, `${what}: dw`);
    if (bc.grad) await assertCloseAsync(bg.grad!, bc.grad, tol, `${what}: db`);
  };
  await run("layerNorm", (x, w, b) => F.layerNorm(x, [70], w, b), 1e-4);
  await run("layerNorm without affine", (x) => F.layerNorm(x, [70]), 1e-4);
  await run("gelu (erf)", (x) => F.gelu(x), 1e-5);
  await run("gelu (tanh)", (x) => F.gelu(x, { approximate: "tanh" }), 1e-5);
  await run("softmax backward", (x) => x.softmax(-1), 1e-5);
  const target = gs.tensor([3, -100, 69, 0, 12, 12], { dtype: "int32" });
  await run(
    "crossEntropy with an ignored row",
    (x) => F.crossEntropy(x, x.device === GPU ? onGpu(target) : target),
    1e-5,
  );
});

test("webgpu adamStep (AdamW and amsgrad) equals cpu-js's", async () => {
  for (const opts of [
    { lr: 0.1, weightDecay: 0.1 },
    { lr: 0.05, amsgrad: true, maximize: true },
  ]) {
    gs.manualSeed(8);
    const p = randn([37]);
    const grads = [randn([37]), randn([37]), randn([37])];
    const pg = new gs.nn.Parameter(onGpu(p));
    const pc = new gs.nn.Parameter(p.clone());
    const og = new gs.optim.AdamW([pg], opts);
    const oc = new gs.optim.AdamW([pc], opts);
    for (const g of grads) {
      pg.grad = onGpu(g);
      pc.grad = g;
      og.step();
      oc.step();
    }
    await assertCloseAsync(pg, pc, 1e-5, `adamStep ${JSON.stringify(opts)}`);
  }
});

test("webgpu adamSteps: several parameters a dispatch (as many as the device binds), each as cpu-js's", async () => {
  const gpu = backendFor(GPU) as WebGpuBackend;
  const limit = gpu.context.device.limits.maxStorageBuffersPerShaderStage;
  for (const opts of [
    { lr: 0.1, weightDecay: 0.1 },
    { lr: 0.05, amsgrad: true, maximize: true },
  ]) {
    gs.manualSeed(9);
    const shapes = [[37], [3, 5], [1], [130], [7, 9], [64], [2, 2, 2]];
    const ps = shapes.map((s) => randn(s));
    const pgs = ps.map((p) => new gs.nn.Parameter(onGpu(p)));
    const pcs = ps.map((p) => new gs.nn.Parameter(p.clone()));
    const og = new gs.optim.AdamW(pgs, opts);
    const oc = new gs.optim.AdamW(pcs, opts);
    for (let step = 0; step < 3; step++) {
      shapes.forEach((s, i) => {
        const g = randn(s);
        pgs[i].grad = onGpu(g);
        pcs[i].grad = g;
      });
      gpu.context.flush(); // the probe counts the dispatches of encoders created after it
      const probe = probeDevice(gpu.context.device);
      try {
        og.step();
        // The moments of all lie in one block (bound once): a parameter takes 2 more bindings. The first
        // step also zeroes the block.
        const per = Math.min(8, Math.floor((limit - 1) / 2));
        if (step > 0)
          assert.equal(probe.calls.dispatches, Math.ceil(shapes.length / per), "dispatches of a step");
      } finally {
        probe.remove();
      }
      oc.step();
    }
    for (let i = 0; i < shapes.length; i++)
      await assertCloseAsync(pgs[i], pcs[i], 1e-5, `adamSteps ${JSON.stringify(opts)} parameter ${i}`);
  }
});

test("webgpu: every kernel of the table is in WGSL; float64 is a clear error", () => {
  const gpu = backendFor(GPU);
  assert.deepEqual(gpu.preferComposition, []);
  for (const k of [
    "causalAttention",
    "causalAttentionBackward",
    "recurrentGatesForward",
    "recurrentGatesBackward",
  ])
    assert.ok(gpu.nativeKernels.includes(k as (typeof gpu.nativeKernels)[number]), k);
  assert.throws(() => gs.zeros([2], { dtype: "float64", device: GPU }), /float64 is not supported/);
});
