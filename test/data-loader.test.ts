import { test } from "node:test";
import assert from "node:assert/strict";
import {
  DataLoader,
  Dataset,
  Subset,
  TensorDataset,
  defaultCollate,
  randomSplit,
} from "../src/data/index.js";
import { Generator, arange, manualSeed, tensor, Tensor } from "../src/index.js";

/** A dataset of 10 rows [i, 10 i] with labels i % 3. */
function rows(n = 10): TensorDataset {
  const x = arange(n)
    .float()
    .unsqueeze(1)
    .mul(tensor([[1, 10]]));
  return new TensorDataset(x, tensor(Array.from({ length: n }, (_, i) => i % 3)));
}

class Squares extends Dataset<[number, number]> {
  constructor(private readonly n: number) {
    super();
  }
  get length() {
    return this.n;
  }
  get(i: number): [number, number] {
    return [i, i * i];
  }
}

/** The first-column values (sample ids) of every batch of an epoch. */
function epoch(loader: DataLoader<Tensor[]>): number[][] {
  return [...loader].map(([x]) => Array.from(x.select(1, 0).toArray()));
}

test("TensorDataset: rows, length and shape checks", () => {
  const ds = rows();
  assert.equal(ds.length, 10);
  const [x, y] = ds.get(3);
  assert.deepEqual(x.tolist(), [3, 30]);
  assert.equal(y.item(), 0);
  assert.throws(() => ds.get(10), /TensorDataset.get: index 10 is out of range for a dataset of length 10/);
  assert.throws(() => ds.get(1.5), /out of range/);
  assert.throws(
    () => new TensorDataset(arange(4), arange(5)),
    /TensorDataset: all tensors must have the same size in dim 0, got shapes \[4\], \[5\]/,
  );
  assert.throws(() => new TensorDataset(), /at least one tensor/);
});

test("DataLoader: batch counts with and without dropLast", () => {
  const ds = rows(10);
  const a = new DataLoader(ds, { batchSize: 4 });
  assert.equal(a.length, 3);
  assert.deepEqual(
    [...a].map(([x, y]) => [x.shape, y.shape]),
    [
      [[4, 2], [4]],
      [[4, 2], [4]],
      [[2, 2], [2]],
    ],
  );
  const b = new DataLoader(ds, { batchSize: 4, dropLast: true });
  assert.equal(b.length, 2);
  assert.equal([...b].length, 2);
  assert.deepEqual(epoch(new DataLoader(ds, { batchSize: 3 })), [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]);
  assert.equal(new DataLoader(ds).length, 10);
  assert.equal(new DataLoader(ds, { batchSize: 20, dropLast: true }).length, 0);
});

test("DataLoader: seeded shuffle is reproducible, reshuffles each epoch, covers every index once", () => {
  const ds = rows(50);
  manualSeed(7);
  const loader = new DataLoader(ds, { batchSize: 8, shuffle: true });
  const e1 = epoch(loader);
  const e2 = epoch(loader);
  for (const e of [e1, e2])
    assert.deepEqual(
      e.flat().sort((p, q) => p - q),
      [...Array(50).keys()],
    );
  assert.notDeepEqual(e1, e2);
  manualSeed(7);
  assert.deepEqual(epoch(loader), e1);
  assert.deepEqual(epoch(loader), e2);
  // A given generator is used instead of the global one.
  const g1 = epoch(new DataLoader(ds, { batchSize: 8, shuffle: true, generator: new Generator(3) }));
  const g2 = epoch(new DataLoader(ds, { batchSize: 8, shuffle: true, generator: new Generator(3) }));
  assert.deepEqual(g1, g2);
});

test("DataLoader: labels stay with their rows; Subsets of a TensorDataset batch like the dataset", () => {
  const ds = rows(12);
  const sub = new Subset(ds, [11, 2, 5, 7]);
  const [[x, y]] = [...new DataLoader(sub, { batchSize: 4 })];
  assert.deepEqual(x.tolist(), [
    [11, 110],
    [2, 20],
    [5, 50],
    [7, 70],
  ]);
  assert.deepEqual(y.tolist(), [2, 2, 2, 1]);
  for (const [xb, yb] of new DataLoader(ds, { batchSize: 5, shuffle: true })) {
    const ids = Array.from(xb.select(1, 0).toArray());
    assert.deepEqual(
      Array.from(yb.toArray()),
      ids.map((i) => i % 3),
    );
  }
});

test("DataLoader: default collate on a custom dataset, and a custom collate", () => {
  const loader = new DataLoader(new Squares(5), { batchSize: 2 });
  const batches = [...loader];
  assert.equal(batches.length, 3);
  const [i, sq] = batches[1];
  assert.deepEqual(i.tolist(), [2, 3]);
  assert.deepEqual(sq.tolist(), [4, 9]);
  assert.equal(i.dtype, "int32");
  const sums = [
    ...new DataLoader(new Squares(4), { batchSize: 2, collate: (s) => s.reduce((a, [, q]) => a + q, 0) }),
  ];
  assert.deepEqual(sums, [1, 13]);
  const objs = defaultCollate([
    { x: tensor([1, 2]), name: "a", w: 0.5 },
    { x: tensor([3, 4]), name: "b", w: 1.5 },
  ]);
  assert.deepEqual(objs.x.tolist(), [
    [1, 2],
    [3, 4],
  ]);
  assert.deepEqual(objs.name, ["a", "b"]);
  assert.equal(objs.w.dtype, "float32");
  assert.throws(
    () => defaultCollate([[1, 2], [3]]),
    /defaultCollate: every sample must be an array of 2 elements/,
  );
  assert.throws(() => defaultCollate([null]), /cannot batch samples of type null/);
});

test("DataLoader: empty dataset and bad batch sizes are errors", () => {
  assert.throws(() => new DataLoader(new Squares(0)), /DataLoader: the dataset is empty/);
  for (const batchSize of [0, -2, 1.5, NaN])
    assert.throws(
      () => new DataLoader(new Squares(3), { batchSize }),
      /DataLoader: batchSize must be a positive integer/,
    );
  assert.throws(() => new DataLoader({} as unknown as Dataset<number>), /expects a Dataset/);
});

test("randomSplit: sizes, disjointness, fractions and errors", () => {
  const ds = new Squares(10);
  const [a, b, c] = randomSplit(ds, [5, 3, 2], { generator: new Generator(1) });
  assert.deepEqual([a.length, b.length, c.length], [5, 3, 2]);
  const all = [...a.indices, ...b.indices, ...c.indices];
  assert.deepEqual(
    all.slice().sort((p, q) => p - q),
    [...Array(10).keys()],
  );
  assert.deepEqual(b.get(0), ds.get(b.indices[0]));
  // Fractions: floor, then the remainder round-robin from the first split (as PyTorch).
  const parts = randomSplit(new Squares(11), [0.5, 0.3, 0.2]);
  assert.deepEqual(
    parts.map((p) => p.length),
    [6, 3, 2],
  );
  const again = randomSplit(ds, [5, 3, 2], { generator: new Generator(1) });
  assert.deepEqual(again[0].indices, a.indices);
  assert.throws(
    () => randomSplit(ds, [5, 4]),
    /randomSplit: lengths \[5, 4\] sum to 9, but the dataset has 10 samples/,
  );
  assert.throws(() => randomSplit(ds, [2.5, 7.5]), /neither integers nor fractions/);
  assert.throws(() => randomSplit(ds, [-1, 11]), /non-negative/);
  assert.throws(() => new Subset(ds, [10]), /Subset: index 10 is out of range/);
});
