// Clipping's list kernels on webgpu (listNorm, clipScale: as many gradients a dispatch as the device
// binds): lists of 1, 7, 8, 9 and 20 gradients of mixed sizes give the CPU's norm and clipped gradients
// (float64 there) and the composition's, in as few dispatches as the bindings allow, none binding more
// than the device's limit; gradients that share a GPUBuffer are bound once; empty lists, empty
// gradients, parameters without .grad, and gradients the kernels cannot take (strided, overlapping).
import { before, test } from "node:test";
import assert from "node:assert/strict";
import * as gs from "../../src/index.js";
import { backendFor } from "../../src/tensor/device.js";
import type { WebGpuBackend } from "../../src/backend/webgpu/backend.js";
import type { Dispatch } from "../../src/backend/webgpu/context.js";
import { clipGradsComposed, gradNormComposed } from "../../src/nn/utils-device.js";
import { GPU, assertCloseAsync, initWebGpu, onGpu } from "./setup.js";

before(initWebGpu);

const SIZES = [1, 300, 64, 65, 0, 1000, 7, 4097, 2, 129];

/** `count` parameters of mixed sizes with random gradients, on the CPU and on webgpu. */
function params(count: number, scale = 1): { cpu: gs.Tensor[]; gpu: gs.Tensor[] } {
  gs.manualSeed(count);
  const grads = Array.from({ length: count }, (_, i) => gs.randn([SIZES[i % SIZES.length]]).mul(scale));
  const cpu = grads.map((g) => Object.assign(gs.zerosLike(g).requiresGrad_(), { grad: g.clone() }));
  const gpu = grads.map((g) => Object.assign(onGpu(gs.zerosLike(g), true), { grad: onGpu(g) }));
  return { cpu, gpu };
}

/** The dispatches `fn` records, by kernel name. */
function dispatchesOf(fn: () => void): Dispatch[] {
  const ctx = (backendFor(GPU) as WebGpuBackend).context;
  const seen: Dispatch[] = [];
  ctx.observer = (d) => void seen.push(d);
  try {
    fn();
  } finally {
    ctx.observer = null;
  }
  return seen;
}

const bindingLimit = () =>
  (backendFor(GPU) as WebGpuBackend).context.device.limits.maxStorageBuffersPerShaderStage;
const uniqueBuffers = (d: Dispatch) => new Set(d.buffers.map((b) => b.gpu)).size;

for (const count of [1, 7, 8, 9, 20])
  for (const normType of [2, Infinity, 1, 3]) {
    test(`clipping ${count} gradients of order ${normType} on webgpu: the CPU's results in ⌈non-empty / (bindings − 1)⌉ dispatches`, async () => {
      const { cpu, gpu } = params(count, 4);
      const maxNorm = 1;
      const want = gs.nn.utils.clipGradNorm_(cpu, maxNorm, normType) as number;
      let got: gs.Tensor | undefined;
      const seen = dispatchesOf(
        () => void (got = gs.nn.utils.clipGradNorm_(gpu, maxNorm, normType) as gs.Tensor),
      );
      assert.ok(want > maxNorm, "the gradients are clipped");
      assert.ok(Math.abs((await got!.itemAsync()) - want) <= 1e-5 * want, "norm");
      for (let i = 0; i < count; i++) await assertCloseAsync(gpu[i].grad!, cpu[i].grad!, 1e-5, `grad ${i}`);

      const limit = bindingLimit();
      for (const d of seen)
        assert.ok(uniqueBuffers(d) <= limit, `${d.kernel} binds ${uniqueBuffers(d)} of ${limit}`);
      const perDispatch = Math.min(16, limit - 1);
      const kernels = seen.map((d) => d.kernel);
      const nonEmpty = gpu.filter((p) => p.numel() > 0).length;
      assert.equal(
        kernels.filter((k) => k === "listNorm").length,
        Math.ceil(nonEmpty / perDispatch),
        "listNorm",
      );
      assert.equal(kernels.filter((k) => k === "listNorm:finish").length, 1);
      assert.equal(
        kernels.filter((k) => k === "clipScale").length,
        Math.ceil(nonEmpty / perDispatch),
        "clipScale",
      );
      assert.equal(seen.length, kernels.filter((k) => k.startsWith("listNorm") || k === "clipScale").length);
    });
  }

test("the list kernels match the composition they replace, clipped and not", async () => {
  for (const maxNorm of [0.5, 1e6]) {
    const a = params(9, 3).gpu;
    const b = params(9, 3).gpu;
    const got = gs.nn.utils.clipGradNorm_(a, maxNorm) as gs.Tensor;
    const want = clipGradsComposed(
      b.map((p) => p.grad!),
      maxNorm,
    );
    await assertCloseAsync(got, want, 1e-6, `norm (maxNorm ${maxNorm})`);
    for (let i = 0; i < a.length; i++) await assertCloseAsync(a[i].grad!, b[i].grad!, 1e-6, `grad ${i}`);
  }
  const g = params(20).gpu.map((p) => p.grad!);
  for (const normType of [2, Infinity, 1, 2.5])
    await assertCloseAsync(
      gs.nn.utils.clipGradNorm_(params(20).gpu, 1e9, normType) as gs.Tensor,
      gradNormComposed(g, normType),
      1e-5,
      `norm of order ${normType}`,
    );
});

test("a long gradient: more partials than the finishing workgroup's threads, the CPU's norm", async () => {
  gs.manualSeed(6);
  const grads = [gs.randn([300_000]), gs.randn([5])];
  const cpu = grads.map((g) => Object.assign(gs.zerosLike(g).requiresGrad_(), { grad: g.clone() }));
  const gpu = grads.map((g) => Object.assign(onGpu(gs.zerosLike(g), true), { grad: onGpu(g) }));
  for (const normType of [2, Infinity]) {
    let got: gs.Tensor | undefined;
    const seen = dispatchesOf(() => void (got = gs.nn.utils.clipGradNorm_(gpu, 1e9, normType) as gs.Tensor));
    const want = gs.nn.utils.clipGradNorm_(cpu, 1e9, normType) as number;
    assert.ok(Math.abs((await got!.itemAsync()) - want) <= 1e-5 * want, `order ${normType}`);
    const finish = seen.find((d) => d.kernel === "listNorm:finish")!;
    assert.ok(finish.params[0] > 256, `${finish.params[0]} partials`);
  }
});

test("gradients in one GPUBuffer are bound once: 20 views of one tensor take ⌈20 / 16⌉ dispatches a kernel", async () => {
  gs.manualSeed(3);
  const flat = gs.randn([20 * 50]);
  const cpu = Array.from({ length: 20 }, (_, i) =>
    Object.assign(gs.zeros([50]).requiresGrad_(), { grad: flat.narrow(0, i * 50, 50).clone() }),
  );
  const onDevice = onGpu(flat);
  const gpu = Array.from({ length: 20 }, (_, i) =>
    Object.assign(onGpu(gs.zeros([50]), true), { grad: onDevice.narrow(0, i * 50, 50) }),
  );
  const want = gs.nn.utils.clipGradNorm_(cpu, 1) as number;
  let got: gs.Tensor | undefined;
  const seen = dispatchesOf(() => void (got = gs.nn.utils.clipGradNorm_(gpu, 1) as gs.Tensor));
  assert.ok(Math.abs((await got!.itemAsync()) - want) <= 1e-5 * want);
  for (let i = 0; i < 20; i++) await assertCloseAsync(gpu[i].grad!, cpu[i].grad!, 1e-5, `grad ${i}`);
  assert.deepEqual(
    seen.map((d) => d.kernel),
    ["listNorm", "listNorm", "listNorm:finish", "clipScale", "clipScale"],
  );
});

test("empty lists and empty gradients: a norm of 0 and nothing scaled", async () => {
  const gpu = backendFor(GPU) as WebGpuBackend;
  const out = gs.tensor(7, { dtype: "float32", device: GPU });
  const seen = dispatchesOf(() => {
    gpu.listNorm({ x: [], offset: [], n: [] }, 2, out.storage as Float32Array);
    gpu.clipScale({ x: [], offset: [], n: [] }, out.storage as Float32Array, 1);
  });
  assert.equal(await out.itemAsync(), 0);
  assert.deepEqual(
    seen.map((d) => d.kernel),
    ["listNorm:finish"],
  );
  // As many gradients as a dispatch binds, and an empty one that takes no binding.
  const perDispatch = Math.min(16, bindingLimit() - 1);
  const grads = Array.from({ length: perDispatch }, () => gs.ones([2]));
  grads.splice(1, 0, gs.zeros([0]));
  const withEmpty = grads.map((g) => Object.assign(onGpu(gs.zerosLike(g), true), { grad: onGpu(g) }));
  let norm: gs.Tensor | undefined;
  const ran = dispatchesOf(() => void (norm = gs.nn.utils.clipGradNorm_(withEmpty, 1) as gs.Tensor));
  assert.ok(Math.abs((await norm!.itemAsync()) - Math.sqrt(2 * perDispatch)) <= 1e-6);
  for (const k of ["listNorm", "clipScale"])
    assert.equal(ran.filter((d) => d.kernel === k).length, 1, `${k}: the empty gradient is not bound`);
  const empty = [Object.assign(onGpu(gs.zeros([0]), true), { grad: onGpu(gs.zeros([0])) })];
  assert.equal(await (gs.nn.utils.clipGradNorm_(empty, 1) as gs.Tensor).itemAsync(), 0);
  assert.equal(gs.nn.utils.clipGradNorm_([onGpu(gs.zeros([3]), true)], 1), 0, "no parameter has a grad");
});

test("parameters without .grad are skipped", async () => {
  const { cpu, gpu } = params(9, 4);
  for (const i of [0, 4, 8]) {
    cpu[i].grad = null;
    gpu[i].grad = null;
  }
  const want = gs.nn.utils.clipGradNorm_(cpu, 1) as number;
  const got = gs.nn.utils.clipGradNorm_(gpu, 1) as gs.Tensor;
  assert.ok(Math.abs((await got.itemAsync()) - want) <= 1e-5 * want);
  for (let i = 0; i < 9; i++)
    if (cpu[i].grad !== null) await assertCloseAsync(gpu[i].grad!, cpu[i].grad!, 1e-5, `grad ${i}`);
});

test("strided or overlapping gradients take the composition, with the same results", async () => {
  gs.manualSeed(8);
  const m = gs.randn([6, 5]).mul(3);
  const d = onGpu(m);
  // A transposed gradient, and two that overlap (the composition scales the shared elements twice).
  const strided = [Object.assign(onGpu(gs.zeros([5, 6]), true), { grad: d.clone().T })];
  const host = [Object.assign(gs.zeros([5, 6]).requiresGrad_(), { grad: m.clone().T })];
  const want = gs.nn.utils.clipGradNorm_(host, 1) as number;
  let got: gs.Tensor | undefined;
  const seen = dispatchesOf(() => void (got = gs.nn.utils.clipGradNorm_(strided, 1) as gs.Tensor));
  assert.ok(Math.abs((await got!.itemAsync()) - want) <= 1e-5 * want);
  await assertCloseAsync(strided[0].grad!, host[0].grad!, 1e-5, "strided grad");
  assert.ok(!seen.some((x) => x.kernel === "clipScale"), "the composition ran");

  const base = onGpu(gs.ones([4]));
  const overlapping = [0, 1].map((i) =>
    Object.assign(onGpu(gs.zeros([3]), true), { grad: base.narrow(0, i, 3) }),
  );
  let norm: gs.Tensor | undefined;
  const composed = dispatchesOf(() => void (norm = gs.nn.utils.clipGradNorm_(overlapping, 1) as gs.Tensor));
  // One dispatch scaling both views would race on the shared elements.
  assert.ok(!composed.some((x) => x.kernel === "clipScale"), "the composition ran");
  const c = 1 / (Math.sqrt(6) + 1e-6);
  assert.ok(Math.abs((await norm!.itemAsync()) - Math.sqrt(6)) <= 1e-6);
  await assertCloseAsync(
    base,
    [c, c * c, c * c, c],
    1e-6,
    "each view scaled once, the shared elements twice",
  );
});
