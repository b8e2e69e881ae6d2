// Tensor creation, dtypes and promotion, views, reading values and printing.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as gs from "../src/index.js";

test("creation from nested, flat and typed arrays", () => {
  const a = gs.tensor([
    [1, 2],
    [3, 4],
  ]);
  assert.deepEqual(a.shape, [2, 2]);
  assert.equal(a.dtype, "int32");
  assert.equal(gs.tensor([1.5, 2]).dtype, "float32");
  assert.equal(gs.tensor([true, false]).dtype, "bool");
  assert.equal(gs.tensor(new Float64Array([1, 2])).dtype, "float64");
  const b = gs.tensor([1, 2, 3, 4, 5, 6], { shape: [2, 3], dtype: "float32" });
  assert.deepEqual(b.tolist(), [
    [1, 2, 3],
    [4, 5, 6],
  ]);
  assert.equal(gs.tensor(3.5).item(), 3.5);
  assert.deepEqual(gs.tensor(3.5).shape, []);
});

test("constant, range and identity constructors", () => {
  assert.deepEqual(gs.zeros([2]).tolist(), [0, 0]);
  assert.deepEqual(gs.full([2], 7).tolist(), [7, 7]);
  assert.deepEqual(gs.arange(5).tolist(), [0, 1, 2, 3, 4]);
  assert.deepEqual(gs.arange(1, 2, 0.25).tolist(), [1, 1.25, 1.5, 1.75]);
  assert.deepEqual(gs.linspace(0, 1, 5).tolist(), [0, 0.25, 0.5, 0.75, 1]);
  assert.deepEqual(gs.eye(2, 3).tolist(), [
    [1, 0, 0],
    [0, 1, 0],
  ]);
  const x = gs.randn([2, 3], { dtype: "float64" });
  assert.equal(gs.zerosLike(x).dtype, "float64");
  assert.deepEqual(gs.onesLike(x).shape, [2, 3]);
});

test("manualSeed makes every draw reproducible; the generator state round-trips", () => {
  gs.manualSeed(42);
  const a = [
    gs.randn([5]).tolist(),
    gs.rand([3]).tolist(),
    gs.randint(0, 10, [4]).tolist(),
    gs.randperm(6).tolist(),
  ];
  gs.manualSeed(42);
  const b = [
    gs.randn([5]).tolist(),
    gs.rand([3]).tolist(),
    gs.randint(0, 10, [4]).tolist(),
    gs.randperm(6).tolist(),
  ];
  assert.deepEqual(a, b);
  const state = gs.getRngState();
  const next = gs.randn([3]).tolist();
  gs.setRngState(state);
  assert.deepEqual(gs.randn([3]).tolist(), next);
  assert.deepEqual([...(gs.randperm(6).tolist() as number[])].sort(), [0, 1, 2, 3, 4, 5]);
});

test("random draws have the right distribution", () => {
  gs.manualSeed(0);
  const n = gs.randn([20000], { dtype: "float64" });
  assert.ok(Math.abs(n.mean().item()) < 0.03);
  assert.ok(Math.abs(n.std().item() - 1) < 0.03);
  const u = gs.rand([20000], { dtype: "float64" });
  assert.ok(Math.abs(u.mean().item() - 0.5) < 0.01);
  assert.ok(u.min().item() >= 0 && u.max().item() < 1);
  const r = gs.randint(3, 6, [1000]);
  assert.equal(r.min().item(), 3);
  assert.equal(r.max().item(), 5);
});

test("type promotion follows PyTorch", () => {
  const i = gs.tensor([1, 2]);
  const f = gs.tensor([1, 2], { dtype: "float32" });
  const d = gs.tensor([1, 2], { dtype: "float64" });
  const b = gs.tensor([true, false]);
  assert.equal(i.add(f).dtype, "float32");
  assert.equal(f.add(d).dtype, "float64");
  assert.equal(i.add(1).dtype, "int32");
  assert.equal(i.add(1.5).dtype, "float32");
  assert.equal(i.div(2).dtype, "float32");
  assert.equal(b.add(b).dtype, "bool");
  assert.equal(b.add(1).dtype, "int32");
  assert.equal(f.add(gs.tensor(2.5, { dtype: "float64" })).dtype, "float32"); // 0-d of the same category does not promote
  assert.equal(i.add(gs.tensor(2.5, { dtype: "float64" })).dtype, "float64"); // a higher category does
  assert.equal(f.lt(1).dtype, "bool");
  assert.equal(i.exp().dtype, "float32");
  assert.equal(b.sum().dtype, "int32");
  assert.deepEqual(gs.tensor([1.7, -1.7]).int().tolist(), [1, -1]);
  assert.deepEqual(gs.tensor([0, 0.5]).bool().tolist(), [false, true]);
});

test("views share storage; contiguous copies when needed", () => {
  const x = gs.arange(6).reshape([2, 3]);
  const t = x.transpose(0, 1);
  assert.equal(t.storage, x.storage);
  assert.equal(t.isContiguous(), false);
  assert.deepEqual(t.tolist(), [
    [0, 3],
    [1, 4],
    [2, 5],
  ]);
  const c = t.contiguous();
  assert.notEqual(c.storage, x.storage);
  assert.equal(x.view([3, 2]).storage, x.storage);
  assert.equal(x.unsqueeze(0).squeeze().storage, x.storage);
  assert.equal(x.narrow(1, 1, 2).storage, x.storage);
  assert.equal(x.expand([4, 2, 3]).storage, x.storage);
  assert.deepEqual(x.flatten().tolist(), [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(t.reshape([6]).tolist(), [0, 3, 1, 4, 2, 5]);
  assert.throws(() => t.view([6]), /cannot be viewed as \[6\]; use reshape/);
  assert.deepEqual(x.view([-1]).shape, [6]);
  assert.deepEqual(x.permute([1, 0]).stride(), [1, 3]);
});

test("slicing and indexing like Python", () => {
  const x = gs.arange(24).reshape([2, 3, 4]);
  assert.deepEqual(x.index(1, ":", "::2").tolist(), [
    [12, 14],
    [16, 18],
    [20, 22],
  ]);
  assert.deepEqual(x.index("...", -1).tolist(), [
    [3, 7, 11],
    [15, 19, 23],
  ]);
  assert.deepEqual(x.index(0, "1:3").tolist(), [
    [4, 5, 6, 7],
    [8, 9, 10, 11],
  ]);
  // A JS array could mean a slice or PyTorch's t[[1, 3]]: refused, with both spellings in the message.
  assert.throws(() => x.index(0, [1, 3] as never), /ambiguous.*gs\.tensor\(\[1, 3\]\).*"1:3"/);
  assert.deepEqual(x.index(0, gs.tensor([[2, 0]])).shape, [1, 2, 4]);
  assert.deepEqual(x.slice(2, -2).index(0, 0).tolist(), [2, 3]);
  assert.deepEqual(x.select(1, 2).shape, [2, 4]);
  assert.deepEqual(x.slice(0, 5, 10).shape, [0, 3, 4]);
  assert.deepEqual(gs.arange(5).flip(0).tolist(), [4, 3, 2, 1, 0]);
  assert.deepEqual(gs.tensor([1, 2]).repeat([2, 2]).tolist(), [
    [1, 2, 1, 2],
    [1, 2, 1, 2],
  ]);
});

test("cat, stack, split and chunk", () => {
  const a = gs.tensor([[1, 2]]);
  const b = gs.tensor([[3, 4]]);
  assert.deepEqual(gs.cat([a, b], 0).tolist(), [
    [1, 2],
    [3, 4],
  ]);
  assert.deepEqual(gs.cat([a, b], 1).tolist(), [[1, 2, 3, 4]]);
  assert.deepEqual(gs.stack([a, b], 0).shape, [2, 1, 2]);
  assert.deepEqual(
    gs
      .arange(5)
      .split(2)
      .map((t) => t.tolist()),
    [[0, 1], [2, 3], [4]],
  );
  assert.deepEqual(
    gs
      .arange(6)
      .chunk(4)
      .map((t) => t.numel()),
    [2, 2, 2],
  );
  assert.equal(gs.cat([a, gs.tensor([[0.5, 1]])], 0).dtype, "float32");
});

test("reductions with dims and keepdim; argmax; var/std", () => {
  const x = gs.tensor(
    [
      [1, 5, 3],
      [4, 2, 6],
    ],
    { dtype: "float32" },
  );
  assert.deepEqual(x.sum(0).tolist(), [5, 7, 9]);
  assert.deepEqual(x.sum([0, 1], true).shape, [1, 1]);
  assert.deepEqual(x.mean(-1).tolist(), [3, 4]);
  const [v, i] = x.max(1);
  assert.deepEqual(v.tolist(), [5, 6]);
  assert.deepEqual(i.tolist(), [1, 2]);
  assert.deepEqual(x.argmax().tolist(), 5);
  assert.deepEqual(x.argmin(0, true).tolist(), [[0, 1, 0]]);
  assert.equal(x.min().item(), 1);
  assert.ok(Math.abs(x.var().item() - 3.5) < 1e-6);
  assert.ok(Math.abs(x.std(undefined, { correction: 0 }).item() - Math.sqrt(35 / 12)) < 1e-6);
  assert.deepEqual(x.prod(1).tolist(), [15, 48]);
  assert.ok(Math.abs(gs.tensor([-Infinity, -Infinity]).logsumexp(0).item()) === Infinity);
});

test("elementwise values", () => {
  const x = gs.tensor([-2, -0.5, 0, 0.5, 2.5], { dtype: "float64" });
  assert.deepEqual(x.relu().tolist(), [0, 0, 0, 0.5, 2.5]);
  assert.deepEqual(x.clamp(-1, 1).tolist(), [-1, -0.5, 0, 0.5, 1]);
  assert.deepEqual(x.round().tolist(), [-2, -0, 0, 0, 2]);
  assert.deepEqual(x.sign().tolist(), [-1, -1, 0, 1, 1]);
  assert.ok(Math.abs(gs.tensor([0.5], { dtype: "float64" }).erf().item() - 0.5204998778130465) < 1e-15);
  assert.deepEqual(
    gs
      .tensor([1, 2, 3])
      .eq(gs.tensor([1, 0, 3]))
      .tolist(),
    [true, false, true],
  );
  assert.deepEqual(gs.where(gs.tensor([true, false]), 1, gs.tensor([5, 6])).tolist(), [1, 6]);
  assert.deepEqual(
    gs
      .tensor([
        [1, 2],
        [3, 4],
      ])
      .tril()
      .tolist(),
    [
      [1, 0],
      [3, 4],
    ],
  );
  assert.deepEqual(x.softmax(0).sum().item().toFixed(12), "1.000000000000");
});

test("add_, sub_, mul_, div_ write into the tensor, also with an operand that overlaps it", () => {
  const x = gs.tensor(
    [
      [1, 2, 3],
      [4, 5, 6],
    ],
    { dtype: "float32" },
  );
  const storage = x.storage;
  x.mul_(gs.tensor(2))
    .add_(gs.tensor([1, 0, -1]))
    .sub_(1)
    .div_(2);
  assert.equal(x.storage, storage);
  assert.deepEqual(x.tolist(), [
    [1, 1.5, 2],
    [4, 4.5, 5],
  ]);
  // A row of x itself as the operand: every element must be scaled by the row's values before any
  // is overwritten (the kernel cannot write in place here).
  x.mul_(x.select(0, 0));
  assert.deepEqual(x.tolist(), [
    [1, 2.25, 4],
    [4, 6.75, 10],
  ]);
  // A view that does not start its storage, an alpha, and an integer tensor take the copying path.
  const row = x.select(0, 1);
  row.add_(gs.tensor([1, 1, 1], { dtype: "float32" }), { alpha: 2 });
  assert.deepEqual(x.tolist(), [
    [1, 2.25, 4],
    [6, 8.75, 12],
  ]);
  const i = gs.tensor([1, 2], { dtype: "int32" });
  i.mul_(3);
  assert.deepEqual(i.tolist(), [3, 6]);
  assert.equal(i.dtype, "int32");
});

test("tril and triu keep the input's dtype (bool and integer too), as PyTorch does", () => {
  const b = gs.ones([3, 3], { dtype: "bool" });
  assert.equal(b.triu(1).dtype, "bool");
  assert.deepEqual(b.triu(1).tolist(), [
    [false, true, true],
    [false, false, true],
    [false, false, false],
  ]);
  assert.equal(b.tril().dtype, "bool");
  assert.equal(gs.ones([2, 2], { dtype: "int32" }).triu().dtype, "int32");
  assert.deepEqual(gs.ones([2, 2], { dtype: "int32" }).tril(-1).tolist(), [
    [0, 0],
    [1, 0],
  ]);
});

test("tolist, item and toString like PyTorch", () => {
  assert.equal(
    gs
      .tensor(
        [
          [1, 2],
          [3, 4],
        ],
        { dtype: "float32" },
      )
      .toString(),
    "tensor([[1., 2.],\n        [3., 4.]])",
  );
  assert.equal(gs.tensor([0.5, -1.25]).toString(), "tensor([ 0.5000, -1.2500])");
  assert.equal(gs.tensor([1, 2]).toString(), "tensor([1, 2])");
  assert.equal(gs.tensor([true]).toString(), "tensor([True])");
  assert.equal(gs.tensor([1e-5, 1]).toString(), "tensor([1.0000e-05, 1.0000e+00])");
  assert.equal(gs.tensor([1], { dtype: "float64" }).toString(), "tensor([1.], dtype=float64)");
  assert.equal(gs.ones([1], { requiresGrad: true }).toString(), "tensor([1.], requires_grad=True)");
  assert.match(gs.ones([1], { requiresGrad: true }).mul(2).toString(), /grad_fn=<binary>/);
  assert.match(gs.zeros([2000]).toString(), /^tensor\(\[0\., 0\., 0\., \.\.\., 0\., 0\., 0\.\]\)$/);
  assert.equal(gs.tensor(2.5).toString(), "tensor(2.5000)");
  assert.throws(() => gs.ones([2]).item(), /only one-element tensors/);
});

test("in-place updates under noGrad", () => {
  const p = gs.ones([3], { requiresGrad: true });
  gs.noGrad(() => p.sub_(gs.tensor([1, 2, 3], { dtype: "float32" }), { alpha: 0.5 }));
  assert.deepEqual(p.tolist(), [0.5, 0, -0.5]);
  const x = gs.zeros([2, 2]);
  x.transpose(0, 1).select(0, 1).fill_(7);
  assert.deepEqual(x.tolist(), [
    [0, 7],
    [0, 7],
  ]);
  x.copy_(gs.tensor([1, 2], { dtype: "float32" }));
  assert.deepEqual(x.tolist(), [
    [1, 2],
    [1, 2],
  ]);
});
