// Tensors on devices: t.device, creation on a device, t.to(device), async reads, device errors, and
// gradients across devices, on a second device whose memory the host can only read asynchronously.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import * as gs from "../src/index.js";
import { cpuJs } from "../src/backend/index.js";
import { ASYNC_DEVICE, AsyncBuffer, makeAsyncBackend } from "./helpers/async-device.js";

const asyncBackend = makeAsyncBackend();
gs.registerDevice(asyncBackend);
// A second device whose memory the host reads directly: cpu-js under another name (as a wasm backend
// would be), so tensors move both ways synchronously.
const TWIN = "cpu-twin";
gs.registerDevice({ ...cpuJs, name: "cpu-js-twin", device: TWIN });
after(() => {
  gs.unregisterDevice(ASYNC_DEVICE);
  gs.unregisterDevice(TWIN);
});

const on = { device: ASYNC_DEVICE };
const isDeviceBuffer = (t: gs.Tensor) => (t.storage as unknown) instanceof AsyncBuffer;

test("tensors have a device; views and op results keep it", () => {
  assert.deepEqual(gs.devices(), ["cpu", ASYNC_DEVICE, TWIN]);
  assert.equal(gs.device("cpu"), "cpu");
  assert.equal(gs.tensor([1, 2]).device, "cpu");
  assert.equal(gs.zeros([2]).device, "cpu");
  const x = gs.ones([2, 3], on);
  assert.equal(x.device, ASYNC_DEVICE);
  assert.ok(isDeviceBuffer(x));
  for (const y of [x.T, x.reshape([6]), x.slice(1, 1), x.add(1), x.sum(0), x.matmul(x.T), x.exp(), x.gt(0)]) {
    assert.equal(y.device, ASYNC_DEVICE);
    assert.ok(isDeviceBuffer(y));
  }
  assert.equal(gs.zerosLike(x).device, ASYNC_DEVICE);
  assert.match(String(x), /device='async-cpu'/);
});

test("creation functions take { device } and give the values they give on the CPU", async () => {
  const pairs: [string, (o: gs.TensorOptions) => gs.Tensor][] = [
    ["zeros", (o) => gs.zeros([2, 3], o)],
    ["ones", (o) => gs.ones([2, 3], o)],
    ["empty", (o) => gs.empty([2, 3], o)],
    ["full", (o) => gs.full([2, 3], 7.5, o)],
    [
      "tensor",
      (o) =>
        gs.tensor(
          [
            [1, 2],
            [3, 4],
          ],
          o,
        ),
    ],
    ["arange", (o) => gs.arange(1, 7, 2, o)],
    ["eye", (o) => gs.eye(3, 3, o)],
    [
      "randn",
      (o) => {
        gs.manualSeed(3);
        return gs.randn([4], o);
      },
    ],
  ];
  for (const [name, make] of pairs) {
    const cpu = make({});
    const dev = make({ device: ASYNC_DEVICE });
    assert.equal(dev.device, ASYNC_DEVICE, name);
    assert.equal(dev.dtype, cpu.dtype, name);
    assert.deepEqual(await dev.tolistAsync(), cpu.tolist(), name);
  }
  const w = gs.randn([3], { device: ASYNC_DEVICE, requiresGrad: true });
  assert.equal(w.requiresGrad, true);
});

test("to(device) returns the same tensor when already there, else a copy on the other device", async () => {
  const x = gs.tensor([
    [1, 2, 3],
    [4, 5, 6],
  ]);
  assert.equal(x.to("cpu"), x);
  const d = x.T.to(ASYNC_DEVICE);
  assert.equal(d.device, ASYNC_DEVICE);
  assert.deepEqual(d.shape, [3, 2]);
  assert.equal(d.to(ASYNC_DEVICE), d);
  assert.deepEqual(await d.tolistAsync(), x.T.tolist());
  // to(dtype) still casts, on the tensor's own device.
  const f = d.to("float64");
  assert.equal(f.dtype, "float64");
  assert.equal(f.device, ASYNC_DEVICE);
  // Back to the CPU from a device the host reads asynchronously: toAsync, or read and make a tensor.
  const back = await d.toAsync("cpu");
  assert.equal(back.device, "cpu");
  assert.deepEqual(back.tolist(), x.T.tolist());
  assert.equal(await back.toAsync("cpu"), back);
  assert.deepEqual(gs.tensor(await d.data(), { shape: d.shape }).tolist(), x.T.tolist());
});

test("async reads work on every device and return copies", async () => {
  const x = gs.tensor([
    [1.5, 2],
    [3, 4],
  ]);
  const values = await x.data();
  assert.ok(values instanceof Float32Array);
  assert.deepEqual(Array.from(values), [1.5, 2, 3, 4]);
  values[0] = 99;
  assert.equal(x.select(0, 0).select(0, 0).item(), 1.5);
  assert.deepEqual(Array.from(x.dataSync()), [1.5, 2, 3, 4]);
  assert.deepEqual(await x.T.tolistAsync(), x.T.tolist());
  assert.equal(await x.sum().itemAsync(), 10.5);

  const d = x.to(ASYNC_DEVICE);
  assert.deepEqual(Array.from(await d.T.data()), [1.5, 3, 2, 4]);
  assert.deepEqual(await d.gt(2).tolistAsync(), [
    [false, false],
    [true, true],
  ]);
  assert.equal(await d.sum().itemAsync(), 10.5);
  assert.equal(await gs.tensor(2.5, on).tolistAsync(), 2.5);
  await asyncBackend.sync();
});

test("synchronous reads of a device the host cannot read are errors naming the op, the device and the async form", () => {
  const d = gs.ones([2, 2], on);
  assert.throws(() => d.sum().item(), /item: the tensor is on device async-cpu, .*await t\.itemAsync\(\)/);
  assert.throws(() => d.tolist(), /tolist: the tensor is on device async-cpu, .*await t\.tolistAsync\(\)/);
  assert.throws(() => d.dataSync(), /dataSync: the tensor is on device async-cpu, .*await t\.data\(\)/);
  assert.throws(() => d.toArray(), /toArray: .*async-cpu.*await t\.data\(\)/);
  assert.throws(() => d.to("cpu"), /to: the tensor is on device async-cpu, .*await t\.toAsync\(device\)/);
  assert.throws(
    () => gs.nn.utils.clipGradNorm_([withGrad(d)], 1, 2, true),
    /clipGradNorm_: errorIfNonfinite needs the norm on the host, .*device async-cpu/,
  );
  assert.match(String(d), /^tensor\(<4 values>, shape=\[2, 2\], dtype=float32, device='async-cpu'\)$/);
});

test("clipGradNorm_ on a device the host cannot read clips there and returns the norm as a 0-d tensor on it", async () => {
  const p = withGrad(gs.ones([2, 2], on)); // grad of ones: norm 2
  const norm = gs.nn.utils.clipGradNorm_([p], 1);
  assert.ok(norm instanceof gs.Tensor && norm.device === ASYNC_DEVICE && norm.ndim === 0);
  assert.equal(await norm.itemAsync(), 2);
  for (const v of (await p.grad!.tolistAsync()) as number[][])
    for (const x of v) assert.ok(Math.abs(x - 0.5) < 1e-6);
});

function withGrad(t: gs.Tensor): gs.Tensor {
  const p = t.clone().requiresGrad_();
  p.grad = gs.onesLike(t);
  return p;
}

test("an unknown device is an error naming the op, the device and the devices available", () => {
  const available = /available devices: cpu, async-cpu, cpu-twin/;
  assert.throws(() => gs.zeros([2], { device: "cuda" }), /zeros: unknown device "cuda"/);
  assert.throws(() => gs.zeros([2], { device: "cuda" }), available);
  assert.throws(
    () => gs.tensor([1], { device: "webgpu" }),
    /tensor: unknown device "webgpu"; available devices/,
  );
  assert.throws(() => gs.randn([2], { device: "cuda" }), /randn: unknown device "cuda"/);
  assert.throws(() => gs.arange(3, undefined, 1, { device: "cuda" }), /arange: unknown device "cuda"/);
  assert.throws(
    () => gs.ones([2]).to("cuda"),
    /to: unknown device "cuda"; available devices: cpu, async-cpu, cpu-twin/,
  );
  assert.throws(
    () => gs.ones([2]).to("float16" as never),
    /to: unknown device "float16"; .* \(dtypes: float32, float64/,
  );
  assert.throws(() => gs.device("cuda"), /device: unknown device "cuda"/);
  assert.throws(
    () => gs.registerDevice({ ...cpuJs }),
    /registerDevice: "cpu" is served by the active CPU backend/,
  );
});

test("ops on tensors of two devices are errors naming the op and both devices", () => {
  const c = gs.ones([2, 2]);
  const d = gs.ones([2, 2], on);
  const both = /expected all tensors on the same device, got cpu and async-cpu/;
  assert.throws(() => c.add(d), /^Error: add: /);
  assert.throws(() => c.add(d), both);
  assert.throws(() => d.mul(c), /mul: expected all tensors on the same device, got async-cpu and cpu/);
  assert.throws(() => c.matmul(d), /matmul: expected all tensors on the same device, got cpu and async-cpu/);
  assert.throws(() => gs.cat([c, d], 0), /cat: expected all tensors on the same device/);
  assert.throws(() => gs.where(c.gt(0), c, d), /where: expected all tensors on the same device/);
  assert.throws(() => d.gather(1, gs.zeros([2, 1], { dtype: "int32" })), /gather: expected all tensors/);
  assert.throws(
    () => (c.clone().requiresGrad_().grad = d),
    /grad: a gradient on async-cpu for a tensor on cpu/,
  );
  // Numbers go where the tensor is.
  assert.equal(d.add(1).device, ASYNC_DEVICE);
  assert.equal(d.clamp(0, 0.5).device, ASYNC_DEVICE);
  assert.equal(d.maskedFill(d.gt(0), 3).device, ASYNC_DEVICE);
});

test("gradients flow back across devices through to()", async () => {
  const f = (t: gs.Tensor) => t.mul(t).sum();
  // A CPU leaf, computed on the twin device and brought back: the gradient returns to the CPU.
  const x = gs.tensor([1.5, -2, 3], { requiresGrad: true });
  const onTwin = x.to(TWIN);
  assert.equal(onTwin.device, TWIN);
  const y = onTwin.exp().to("cpu");
  assert.equal(y.device, "cpu");
  f(y).backward();
  assert.equal(x.grad!.device, "cpu");
  const ref = gs.tensor([1.5, -2, 3], { requiresGrad: true });
  f(ref.exp()).backward();
  assert.deepEqual(x.grad!.tolist(), ref.grad!.tolist());

  // A leaf on the twin device with the loss computed on the CPU: the gradient goes back to the twin.
  const w = gs.tensor([1.5, -2, 3], { device: TWIN, requiresGrad: true });
  f(w.to("cpu")).backward();
  assert.equal(w.grad!.device, TWIN);
  assert.deepEqual(w.grad!.tolist(), [3, -4, 6]);

  // A leaf on the async device brought to the CPU with toAsync: the gradient goes back to the device.
  const a = gs.tensor([1.5, -2, 3], { device: ASYNC_DEVICE, requiresGrad: true });
  f(await a.toAsync("cpu")).backward();
  assert.equal(a.grad!.device, ASYNC_DEVICE);
  assert.deepEqual(await a.grad!.tolistAsync(), [3, -4, 6]);

  // A CPU leaf moved to the async device: the gradient would come back through a synchronous read of
  // the device, which it cannot do; the error says so.
  const c = gs.tensor([1.5, 2], { requiresGrad: true });
  const loss = c.to(ASYNC_DEVICE).mul(2).sum();
  assert.throws(
    () => loss.backward(),
    /to: the tensor is on device async-cpu, which cannot be read synchronously/,
  );
});

/** Runs fn on the cpu-js backend (the kernels the async device runs), so results compare exactly. */
async function onCpuJs<T>(fn: () => T | Promise<T>): Promise<T> {
  const restore = gs.backend().name === "cpu-js" ? "js" : "native";
  gs.setBackend("js");
  try {
    return await fn();
  } finally {
    gs.setBackend(restore);
  }
}

test("a computation on the device gives the CPU's values and gradients", async () => {
  const run = (device: string) => {
    gs.manualSeed(11);
    const opts = { device, requiresGrad: true };
    const w = gs.randn([4, 3], opts);
    const b = gs.zeros([3], opts);
    const xb = gs.randn([5, 4], { device });
    const idx = gs.tensor([0, 2, 1, 2, 0], { device });
    const h = xb.matmul(w).add(b).tanh();
    const picked = h.gather(1, idx.unsqueeze(1)).squeeze(1);
    const loss = picked
      .sub(h.mean(1))
      .pow(2)
      .mean()
      .add(
        h
          .index(gs.tensor([4, 0], { device }))
          .abs()
          .sum(),
      );
    loss.backward();
    return { loss, grads: [w.grad!, b.grad!] };
  };
  const cpu = await onCpuJs(() => run("cpu"));
  const allocsBefore = asyncBackend.allocs;
  const dev = run(ASYNC_DEVICE);
  assert.ok(asyncBackend.allocs > allocsBefore + 10, "the device's allocator made the outputs");
  assert.equal(dev.loss.device, ASYNC_DEVICE);
  assert.equal(await dev.loss.itemAsync(), cpu.loss.item());
  for (let i = 0; i < 2; i++) {
    assert.equal(dev.grads[i].device, ASYNC_DEVICE);
    assert.deepEqual(await dev.grads[i].tolistAsync(), cpu.grads[i].tolist());
  }
});

test("training steps on the device match the CPU's (in-place updates under noGrad)", async () => {
  const train = async (device: string) => {
    gs.manualSeed(5);
    const w = gs.randn([3, 1], { device, requiresGrad: true });
    const xb = gs.randn([8, 3], { device });
    const yb = xb.matmul(gs.tensor([[1], [-2], [0.5]], { device }));
    const losses: number[] = [];
    for (let step = 0; step < 5; step++) {
      const loss = xb.matmul(w).sub(yb).pow(2).mean();
      w.grad = null;
      loss.backward();
      gs.noGrad(() => w.sub_(w.grad!.mul(0.1)));
      losses.push(await loss.itemAsync());
    }
    return { losses, w: await w.tolistAsync() };
  };
  assert.deepEqual(await train(ASYNC_DEVICE), await onCpuJs(() => train("cpu")));
});

test("CPU allocation goes through the active CPU backend's allocator", async () => {
  const original = { alloc: cpuJs.alloc, allocUninit: cpuJs.allocUninit };
  let calls = 0;
  cpuJs.alloc = (dtype, n) => {
    calls++;
    return original.alloc(dtype, n);
  };
  cpuJs.allocUninit = (dtype, n) => {
    calls++;
    return original.allocUninit!(dtype, n);
  };
  try {
    await onCpuJs(() => {
      const x = gs.ones([2, 3]);
      x.add(x).matmul(x.T).sum().neg();
    });
    assert.ok(calls >= 5, `expected the ops to allocate through cpuJs's allocator, got ${calls} calls`);
  } finally {
    Object.assign(cpuJs, original);
  }
});
