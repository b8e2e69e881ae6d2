// The scalar micrograd engine: op gradients vs finite differences, micrograd's own sanity check, deep
// graphs, DOT output, and a small MLP that must fit micrograd's README dataset.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  Layer,
  MLP,
  Neuron,
  Value,
  mulberry32,
  toDot,
  topologicalOrder,
  zeroGrad,
} from "../src/micrograd/index.js";

function close(actual: number, expected: number, tol: number, what: string): void {
  const ok = Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected));
  assert.ok(ok, `${what}: got ${actual}, expected ${expected} (tol ${tol})`);
}

/** Checks d f / d x_i from backward() against central differences, at the point `xs`. */
function gradcheck(name: string, f: (...xs: Value[]) => Value, xs: number[]): void {
  const leaves = xs.map((x) => new Value(x));
  f(...leaves).backward();
  const h = 1e-6;
  xs.forEach((x, i) => {
    const at = (xi: number) => f(...xs.map((v, j) => new Value(j === i ? xi : v))).data;
    const numeric = (at(x + h) - at(x - h)) / (2 * h);
    close(leaves[i].grad, numeric, 1e-6, `${name} d/dx${i} at [${xs}]`);
  });
}

test("each op's gradient matches central finite differences", () => {
  const cases: [string, (...xs: Value[]) => Value, number[][]][] = [
    ["add", (a, b) => a.add(b), [[1.5, -2.3]]],
    ["add number", (a) => a.add(4), [[0.7]]],
    ["mul", (a, b) => a.mul(b), [[1.5, -2.3]]],
    ["mul number", (a) => a.mul(-3), [[0.7]]],
    ["pow 3", (a) => a.pow(3), [[1.3], [-0.8]]],
    ["pow -1.5", (a) => a.pow(-1.5), [[0.9]]],
    ["pow 0.5", (a) => a.pow(0.5), [[2.2]]],
    ["neg", (a) => a.neg(), [[0.4]]],
    ["sub", (a, b) => a.sub(b), [[1.5, -2.3]]],
    ["div", (a, b) => a.div(b), [[1.5, -2.3]]],
    ["tanh", (a) => a.tanh(), [[0.6], [-1.7]]],
    ["relu", (a) => a.relu(), [[0.6], [-1.7]]],
    ["exp", (a) => a.exp(), [[0.6], [-1.7]]],
    ["log", (a) => a.log(), [[0.6], [3.1]]],
    ["sigmoid", (a) => a.sigmoid(), [[0.6], [-1.7], [30]]],
    ["composite", (a, b) => a.mul(b).tanh().add(a.div(b).exp()).sub(b.pow(2).log()), [[0.3, -1.2]]],
    ["shared input", (a) => a.mul(a).add(a), [[1.1]]],
  ];
  for (const [name, f, points] of cases) for (const xs of points) gradcheck(name, f, xs);
});

test("op records: op name, children and forward values", () => {
  const a = new Value(3, { label: "a" });
  const b = new Value(2);
  const c = a.pow(2).div(b);
  assert.equal(c.op, "/");
  assert.equal(c.children.length, 2);
  assert.equal(c.children[0].op, "**2");
  assert.equal(c.children[1], b);
  assert.equal(c.data, 4.5);
  assert.equal(a.op, "");
  assert.deepEqual(a.children, []);
  assert.equal(a.label, "a");
  assert.equal(new Value(-3).relu().data, 0);
  assert.equal(new Value(0).sigmoid().data, 0.5);
  assert.equal(new Value(-1000).sigmoid().data, 0);
  assert.equal(new Value(1000).sigmoid().data, 1);
  assert.equal(new Value(2).toString(), "Value(data=2.0000, grad=0.0000)");
});

test("micrograd sanity check: the README expression", () => {
  const a = new Value(-4);
  const b = new Value(2);
  let c = a.add(b);
  let d = a.mul(b).add(b.pow(3));
  c = c.add(c.add(1));
  c = c.add(c.add(1).add(a.neg())); // c += 1 + c + (-a)
  d = d.add(d.mul(2).add(b.add(a).relu()));
  d = d.add(d.mul(3).add(b.sub(a).relu())); // d += 3 * d + (b - a).relu()
  const e = c.sub(d);
  const f = e.pow(2);
  let g = f.div(2);
  g = g.add(new Value(10).div(f)); // g += 10.0 / f
  g.backward();
  close(g.data, 24.70408163265306, 1e-12, "g");
  close(a.grad, 138.83381924198252, 1e-12, "a.grad");
  close(b.grad, 645.5772594752186, 1e-12, "b.grad");
  assert.equal(g.data.toFixed(4), "24.7041");
  assert.equal(a.grad.toFixed(4), "138.8338");
  assert.equal(b.grad.toFixed(4), "645.5773");
});

test("backward accumulates like micrograd: a second call adds again, also through inner nodes", () => {
  const x = new Value(3);
  const xx = x.mul(x);
  const y = xx.add(x); // dy/dx = 2x + 1 = 7
  y.backward();
  assert.equal(x.grad, 7);
  // xx kept grad 1 from the first pass, so it now holds 2 and passes 2 * 2x = 12 on to x: 7 + 12 + 1.
  y.backward();
  assert.equal(xx.grad, 2);
  assert.equal(x.grad, 20);
  zeroGrad(topologicalOrder(y));
  assert.ok(topologicalOrder(y).every((v) => v.grad === 0));
  y.backward();
  assert.equal(x.grad, 7);
});

test("a diamond graph visits each node once", () => {
  const x = new Value(2);
  const h = x.mul(3);
  const y = h.add(h.tanh()).add(h.exp());
  y.backward();
  const order = topologicalOrder(y);
  assert.equal(new Set(order).size, order.length);
  assert.equal(order[order.length - 1], y);
  // Children come before parents.
  const pos = new Map(order.map((v, i) => [v, i]));
  for (const v of order) for (const c of v.children) assert.ok(pos.get(c)! < pos.get(v)!);
  close(x.grad, 3 * (1 + (1 - Math.tanh(6) ** 2) + Math.exp(6)), 1e-12, "x.grad");
});

test("a 100,000-op chain backpropagates without overflowing the stack", () => {
  const x = new Value(1);
  let y = x;
  for (let i = 0; i < 100_000; i++) y = i % 2 === 0 ? y.mul(1.00001) : y.add(0.5);
  y.backward();
  close(x.grad, 1.00001 ** 50_000, 1e-9, "x.grad");
  assert.ok(toDot(y).startsWith("digraph"));
});

/** The DOT text with quoted strings removed, so structural braces can be counted. */
function structure(dot: string): string {
  return dot.replace(/"(?:[^"\\]|\\.)*"/g, '""');
}

test("toDot renders every node with data and grad, and one edge per child link", () => {
  const a = new Value(2, { label: "a" });
  const b = new Value(-3, { label: "b" });
  const c = a.mul(b);
  c.label = "c";
  const d = c.add(a).add(a).tanh(); // a is used three times
  d.label = "d";
  d.backward();
  const dot = toDot(d);
  assert.match(dot, /^digraph \w+ \{\n/);
  assert.ok(dot.trimEnd().endsWith("}"));

  // Outside strings, braces balance and the graph's block closes only at the very end.
  const s = structure(dot).trimEnd();
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "{") depth++;
    if (s[i] === "}") depth--;
    assert.ok(depth >= 0, "unbalanced }");
    if (depth === 0 && i > s.indexOf("{")) assert.equal(i, s.length - 1, "block closes early");
  }
  assert.equal(depth, 0);

  const nodes = topologicalOrder(d);
  for (const v of nodes) {
    const text = `data ${v.data.toFixed(4)} | grad ${v.grad.toFixed(4)}`;
    assert.ok(dot.includes(v.label ? `{ ${v.label} | ${text} }` : `{ ${text} }`), `missing ${v}`);
  }
  const records = dot.split("\n").filter((l) => l.includes("shape=record"));
  assert.equal(records.length, nodes.length);
  for (const op of ["*", "+", "tanh"]) assert.ok(dot.includes(`label="${op}"`));

  const edges = dot.split("\n").filter((l) => l.includes("->"));
  const links = nodes.reduce((n, v) => n + v.children.length, 0);
  const opNodes = nodes.filter((v) => v.children.length > 0).length;
  assert.equal(edges.filter((l) => /->\s*v\d+_op;/.test(l)).length, links);
  assert.equal(edges.length, links + opNodes);

  assert.equal(toDot(d), dot, "output is deterministic");
});

test("toDot escapes labels", () => {
  const x = new Value(1, { label: 'a"b{c}|<d>\\e\nf' });
  const dot = toDot(x.relu());
  assert.ok(dot.includes('label="{ a\\"b\\{c\\}\\|\\<d\\>\\\\e\\nf | data 1.0000 | grad 0.0000 }"'), dot);
  const s = structure(dot);
  assert.equal(s.split("{").length, s.split("}").length);
});

test("mulberry32 is deterministic and uniform-looking", () => {
  const r1 = mulberry32(7);
  const r2 = mulberry32(7);
  const xs = Array.from({ length: 1000 }, () => r1());
  assert.deepEqual(
    xs.slice(0, 5),
    Array.from({ length: 5 }, () => r2()),
  );
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  close(xs.reduce((s, x) => s + x, 0) / xs.length, 0.5, 0.05, "mean");
  assert.notEqual(mulberry32(8)(), mulberry32(7)());
});

test("Neuron, Layer, MLP: shapes, parameters, seeded init and zeroGrad", () => {
  const n = new Neuron(3, { nonlin: "relu" });
  assert.equal(n.parameters().length, 4);
  assert.ok(n.forward([1, 2, 3]).data >= 0);
  assert.throws(() => n.forward([1, 2]), RangeError);
  assert.throws(() => new Neuron(0), RangeError);

  const layer = new Layer(3, 2);
  assert.equal(layer.forward([1, 2, 3]).length, 2);
  assert.equal(layer.parameters().length, 8);
  // Neurons in a layer share one generator, so they differ.
  assert.notEqual(layer.neurons[0].w[0].data, layer.neurons[1].w[0].data);

  const m1 = new MLP(3, [4, 4, 1], { rng: mulberry32(3) });
  const m2 = new MLP(3, [4, 4, 1], { rng: mulberry32(3) });
  const params = m1.parameters();
  assert.equal(params.length, 4 * 4 + 4 * 5 + 1 * 5);
  assert.ok(params.every((p) => p.data > -1 && p.data < 1));
  assert.deepEqual(
    params.map((p) => p.data),
    m2.parameters().map((p) => p.data),
  );
  assert.deepEqual(
    new MLP(2, [3]).parameters().map((p) => p.data),
    new MLP(2, [3]).parameters().map((p) => p.data),
    "the default generator is seeded",
  );

  const [y] = m1.forward([new Value(2), 3, -1]);
  y.backward();
  assert.ok(params.some((p) => p.grad !== 0));
  m1.zeroGrad();
  assert.ok(params.every((p) => p.grad === 0));
  assert.equal(String(m1.layers[0]).startsWith("Layer of [tanhNeuron(3)"), true);
});

test("MLP(3, [4, 4, 1]) fits micrograd's 4-point dataset with SGD", () => {
  const xs = [
    [2, 3, -1],
    [3, -1, 0.5],
    [0.5, 1, 1],
    [1, 1, -1],
  ];
  const ys = [1, -1, -1, 1];
  const model = new MLP(3, [4, 4, 1], { rng: mulberry32(42) });
  let loss = Infinity;
  let steps = 0;
  for (; steps < 200 && loss >= 0.01; steps++) {
    const total = xs
      .map((x, i) => model.forward(x)[0].sub(ys[i]).pow(2))
      .reduce((s, e) => s.add(e), new Value(0));
    loss = total.data;
    model.zeroGrad();
    total.backward();
    for (const p of model.parameters()) p.data -= 0.05 * p.grad;
  }
  assert.ok(loss < 0.01, `loss ${loss} after ${steps} steps`);
});
