// gs.nn.Module and containers: discovery, state dicts, modes, printing, and a tiny MLP that overfits.
import { test } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import * as gs from "../src/index.js";

const nn = gs.nn;

class Block extends nn.Module {
  ln = new nn.LayerNorm(4);
  fc = new nn.Linear(4, 4);
  drop = new nn.Dropout(0.5);

  forward(x: gs.Tensor): gs.Tensor {
    return x.add(this.drop.forward(this.fc.forward(this.ln.forward(x))));
  }
}

/** Embedding, blocks, a head tied to the embedding, an own parameter and two buffers. */
class Net extends nn.Module {
  emb = new nn.Embedding(10, 4);
  blocks = new nn.ModuleList<Block>([new Block(), new Block()]);
  head = new nn.Linear(4, 10, { bias: false });
  scale = new nn.Parameter(gs.ones([1]));
  counter: gs.Tensor;
  mask: gs.Tensor;

  constructor() {
    super();
    this.head.weight = this.emb.weight;
    this.counter = this.registerBuffer("counter", gs.zeros([2]));
    this.mask = this.registerBuffer("mask", gs.ones([3, 3]).tril(), { persistent: false });
  }

  forward(ids: gs.Tensor): gs.Tensor {
    let x = this.emb.forward(ids).mul(this.scale);
    for (const b of this.blocks) x = b.forward(x);
    return this.head.forward(x);
  }
}

const blockKeys = (p: string) => [`${p}.ln.weight`, `${p}.ln.bias`, `${p}.fc.weight`, `${p}.fc.bias`];

test("discovery: parameters, buffers and children from properties, in PyTorch's order, tied weights once", () => {
  const net = new Net();
  const names = net.namedParameters().map(([n]) => n);
  assert.deepEqual(names, ["scale", "emb.weight", ...blockKeys("blocks.0"), ...blockKeys("blocks.1")]);
  assert.equal(net.parameters().length, names.length);
  assert.equal(net.numParameters(), 1 + 40 + 2 * (4 + 4 + 16 + 4));
  assert.deepEqual(
    net.namedParameters({ recurse: false }).map(([n]) => n),
    ["scale"],
  );
  assert.deepEqual(
    net.namedBuffers().map(([n]) => n),
    ["counter", "mask"],
  );
  assert.deepEqual(
    net.namedChildren().map(([n]) => n),
    ["emb", "blocks", "head"],
  );
  assert.deepEqual(
    net.namedModules().map(([n]) => n),
    [
      "",
      "emb",
      "blocks",
      "blocks.0",
      "blocks.0.ln",
      "blocks.0.fc",
      "blocks.0.drop",
      "blocks.1",
      "blocks.1.ln",
      "blocks.1.fc",
      "blocks.1.drop",
      "head",
    ],
  );
  assert.equal(net.modules().length, 12);
  assert.equal(net.getSubmodule("blocks.1.fc"), net.blocks.at(1).fc);
  assert.throws(
    () => net.getSubmodule("blocks.2"),
    /getSubmodule: ModuleList at "blocks" has no submodule "2"/,
  );
  for (const p of net.parameters()) assert.ok(p instanceof gs.Tensor && p.requiresGrad);
});

test("stateDict: own params, persistent buffers, then children; tied keys both present; detached views", () => {
  const net = new Net();
  const sd = net.stateDict();
  assert.deepEqual(Object.keys(sd), [
    "scale",
    "counter",
    "emb.weight",
    ...blockKeys("blocks.0"),
    ...blockKeys("blocks.1"),
    "head.weight",
  ]);
  assert.ok(!("mask" in sd), "a non-persistent buffer stays out of the state dict");
  assert.equal(sd["head.weight"].storage, sd["emb.weight"].storage);
  assert.equal(sd["emb.weight"].requiresGrad, false);
  assert.equal(sd["emb.weight"].storage, net.emb.weight.storage);
});

test("loadStateDict round trip (Record and Map) gives the same outputs; tied weights stay tied", () => {
  gs.manualSeed(1);
  const a = new Net().eval();
  const b = new Net().eval();
  const ids = gs.tensor([[1, 2, 3]], { dtype: "int32" });
  assert.notDeepEqual(a.forward(ids).tolist(), b.forward(ids).tolist());
  const res = b.loadStateDict(a.stateDict());
  assert.deepEqual(res, { missingKeys: [], unexpectedKeys: [] });
  assert.deepEqual(b.forward(ids).tolist(), a.forward(ids).tolist());
  assert.equal(b.head.weight, b.emb.weight);
  const c = new Net().eval();
  c.loadStateDict(new Map(Object.entries(a.stateDict())));
  assert.deepEqual(c.forward(ids).tolist(), a.forward(ids).tolist());
  // Loading copies values: changing the source afterwards does not change the module.
  const src = Object.fromEntries(Object.entries(a.stateDict()).map(([k, v]) => [k, v.clone()]));
  c.loadStateDict(src);
  gs.noGrad(() => src["scale"].fill_(7));
  assert.equal(c.scale.item(), a.scale.item());
});

test("loadStateDict reports every missing key, unexpected key and shape mismatch in one error, loading nothing", () => {
  const net = new Net();
  const before = net.stateDict();
  const snapshot = Object.fromEntries(Object.entries(before).map(([k, v]) => [k, v.clone()]));
  const sd: Record<string, gs.Tensor> = { ...new Net().stateDict() };
  delete sd["blocks.0.fc.bias"];
  delete sd["counter"];
  sd["blocks.0.extra"] = gs.zeros([1]);
  sd["blocks.1.fc.weight"] = gs.zeros([4, 5]);
  sd["emb.weight"] = gs.zeros([10, 3]);
  assert.throws(
    () => net.loadStateDict(sd),
    (e: Error) => {
      assert.match(
        e.message,
        /^loadStateDict: error\(s\) in loading the state dict for Net; nothing was loaded:/,
      );
      assert.match(e.message, /missing key\(s\): "counter", "blocks\.0\.fc\.bias"/);
      assert.match(e.message, /unexpected key\(s\): "blocks\.0\.extra"/);
      assert.match(
        e.message,
        /size mismatch for emb\.weight: the state dict has shape \[10, 3\], the module has \[10, 4\]/,
      );
      assert.match(
        e.message,
        /size mismatch for blocks\.1\.fc\.weight: the state dict has shape \[4, 5\], the module has \[4, 4\]/,
      );
      return true;
    },
  );
  for (const [k, v] of Object.entries(net.stateDict())) assert.deepEqual(v.tolist(), snapshot[k].tolist(), k);
  assert.throws(() => net.loadStateDict(sd, { strict: false }), /size mismatch for emb\.weight/);
  assert.throws(
    () => net.loadStateDict({ ...before, scale: [1] as unknown as gs.Tensor }),
    /scale: expected a Tensor, got object/,
  );
});

test("loadStateDict with strict: false loads what matches and returns missing and unexpected keys", () => {
  const net = new Net();
  const res = net.loadStateDict(
    { scale: gs.tensor([3], { dtype: "float32" }), "emb.bias": gs.zeros([4]) },
    { strict: false },
  );
  assert.equal(net.scale.item(), 3);
  assert.deepEqual(res.unexpectedKeys, ["emb.bias"]);
  assert.equal(res.missingKeys.length, Object.keys(net.stateDict()).length - 1);
  assert.ok(res.missingKeys.includes("blocks.1.ln.weight"));
});

test("buffers: registered by name, persistent or not, follow reassignment, load from the state dict", () => {
  const net = new Net();
  net.counter = gs.tensor([5, 6], { dtype: "float32" });
  assert.deepEqual(net.stateDict()["counter"].tolist(), [5, 6]);
  net.loadStateDict({ ...net.stateDict(), counter: gs.tensor([1, 2], { dtype: "float32" }) });
  assert.deepEqual(net.counter.tolist(), [1, 2]);
  assert.throws(
    () => net.registerBuffer("scale", gs.zeros([1])),
    /registerBuffer: "scale" is already a parameter of Net/,
  );
  assert.throws(
    () => net.registerBuffer("emb", gs.zeros([1])),
    /registerBuffer: "emb" is already a submodule of Net/,
  );
  assert.throws(
    () => net.registerBuffer("a.b", gs.zeros([1])),
    /registerBuffer: name must be a non-empty string without "."/,
  );
  assert.throws(
    () => net.registerBuffer("p", new nn.Parameter(gs.zeros([1]))),
    /registerBuffer: "p" is a Parameter/,
  );
  assert.throws(() => net.registerParameter("counter", new nn.Parameter(gs.zeros([1]))), /already a buffer/);
});

test("registerParameter and registerModule add members under names built at run time", () => {
  class Stack extends nn.Module {
    constructor(n: number) {
      super();
      for (let k = 0; k < n; k++)
        this.registerParameter(`weight_ih_l${k}`, new nn.Parameter(gs.zeros([2, 2])));
      this.registerModule("self_attn", new nn.Linear(2, 2));
      this.registerParameter("bias_none", null);
    }
    forward(x: gs.Tensor) {
      return x;
    }
  }
  assert.deepEqual(Object.keys(new Stack(2).stateDict()), [
    "weight_ih_l0",
    "weight_ih_l1",
    "self_attn.weight",
    "self_attn.bias",
  ]);
  assert.throws(
    () => new Stack(0).registerParameter("w", gs.zeros([1]) as gs.nn.Parameter),
    /wrap the tensor: new nn.Parameter\(t\)/,
  );
});

test("train/eval propagate to every descendant; apply visits children first", () => {
  const net = new Net();
  assert.ok(net.modules().every((m) => m.training));
  assert.equal(net.eval(), net);
  assert.ok(net.modules().every((m) => !m.training));
  net.blocks.train();
  assert.ok(!net.training && net.blocks.at(0).drop.training);
  const order: string[] = [];
  new nn.Sequential(new nn.ReLU(), new nn.Sequential(new nn.Tanh())).apply((m) =>
    order.push(m.constructor.name),
  );
  assert.deepEqual(order, ["ReLU", "Tanh", "Sequential", "Sequential"]);
  assert.throws(() => net.train("yes" as unknown as boolean), /train: mode must be a boolean/);
});

test("zeroGrad sets grads to null; requiresGrad_ freezes; numParameters counts trainable ones", () => {
  const net = new Net();
  net
    .forward(gs.tensor([[1, 2]], { dtype: "int32" }))
    .sum()
    .backward();
  assert.ok(net.parameters().every((p) => p.grad !== null));
  net.zeroGrad();
  assert.ok(net.parameters().every((p) => p.grad === null));
  net.blocks.requiresGrad_(false);
  assert.equal(net.numParameters({ trainableOnly: true }), 41);
  assert.equal(net.blocks.at(0).fc.weight.requiresGrad, false);
});

test("to(float64) converts parameters and float buffers, keeping tied weights tied", () => {
  const net = new Net().double();
  assert.ok(
    net.parameters().every((p) => p.dtype === "float64" && p.requiresGrad && p instanceof nn.Parameter),
  );
  assert.equal(net.head.weight, net.emb.weight);
  assert.equal(net.counter.dtype, "float64");
  assert.equal(net.mask.dtype, "float64");
  assert.equal(net.forward(gs.tensor([[1]], { dtype: "int32" })).dtype, "float64");
  assert.equal(net.float().scale.dtype, "float32");
  assert.throws(() => net.to("int32"), /Module.to: parameters must stay floating point, got dtype int32/);
});

test("Parameter: a Tensor sharing the wrapped storage, a leaf that requires grad", () => {
  const t = gs.tensor([1, 2], { dtype: "float32" });
  const p = new nn.Parameter(t);
  assert.ok(p instanceof gs.Tensor);
  assert.equal(p.storage, t.storage);
  assert.ok(p.requiresGrad && p.isLeaf);
  assert.ok(!(p.mul(2) instanceof nn.Parameter));
  assert.equal(new nn.Parameter(t, false).requiresGrad, false);
  assert.match(String(p), /^Parameter containing:\ntensor\(\[1\., 2\.\], requires_grad=True\)$/);
  assert.throws(
    () => new nn.Parameter(gs.arange(3)),
    /Parameter: only floating-point tensors can require grad, got int32/,
  );
});

test("Sequential: numbered or named children, chains forward, at/append/length/iteration", () => {
  const seq = new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU(), new nn.Linear(4, 2));
  assert.deepEqual(Object.keys(seq.stateDict()), ["0.weight", "0.bias", "2.weight", "2.bias"]);
  const x = gs.randn([5, 3]);
  const want = (seq.at(2) as gs.nn.Linear).forward(
    (seq.at(1) as gs.nn.ReLU).forward((seq.at(0) as gs.nn.Linear).forward(x)),
  );
  assert.deepEqual(seq.forward(x).tolist(), want.tolist());
  assert.equal(seq.length, 3);
  assert.equal(seq.at(-1), seq.at(2));
  assert.throws(() => seq.at(3), /Sequential.at: index 3 is out of range for 3 modules/);
  seq.append(new nn.Tanh());
  assert.deepEqual(
    [...seq].map((m) => m.constructor.name),
    ["Linear", "ReLU", "Linear", "Tanh"],
  );
  const named = new nn.Sequential({ fc1: new nn.Linear(2, 2), act: new nn.GELU() });
  assert.deepEqual(Object.keys(named.stateDict()), ["fc1.weight", "fc1.bias"]);
  assert.throws(
    () => new nn.Sequential(new nn.ReLU(), null as unknown as gs.nn.Module),
    /Sequential: module "1" must be a Module, got null/,
  );
});

test("ModuleList and ModuleDict register their modules in order", () => {
  const list = new nn.ModuleList([new nn.Linear(2, 2)]).append(new nn.Linear(2, 3));
  list.extend([new nn.Linear(3, 1)]);
  assert.equal(list.length, 3);
  assert.deepEqual(list.at(-1).weight.shape, [1, 3]);
  assert.deepEqual(
    [...list].map((l) => l.outFeatures),
    [2, 3, 1],
  );
  assert.deepEqual(
    list.namedParameters().map(([n]) => n),
    ["0.weight", "0.bias", "1.weight", "1.bias", "2.weight", "2.bias"],
  );
  assert.throws(() => list.forward(), /ModuleList: has no forward/);

  const dict = new nn.ModuleDict<gs.nn.Module>([
    ["b", new nn.Linear(1, 1)],
    ["1", new nn.LayerNorm(2)],
  ]);
  dict.set("a", new nn.Linear(1, 2, { bias: false }));
  assert.deepEqual(Object.keys(dict.stateDict()), ["b.weight", "b.bias", "1.weight", "1.bias", "a.weight"]);
  assert.deepEqual([...dict.keys()], ["b", "1", "a"]);
  assert.equal(dict.size, 3);
  assert.ok(dict.has("a") && !dict.has("z"));
  assert.throws(() => dict.get("z"), /ModuleDict.get: no module "z"; keys are "b", "1", "a"/);
  assert.ok(dict.delete("b"));
  assert.deepEqual(
    [...dict].map(([k]) => k),
    ["1", "a"],
  );
  assert.throws(
    () => dict.set("x.y", new nn.ReLU()),
    /ModuleDict: key must be a non-empty string without "."/,
  );
});

test("toString prints the module tree as PyTorch; summary adds the parameter count", () => {
  const mlp = new nn.Sequential(new nn.Linear(784, 256), new nn.ReLU(), new nn.Linear(256, 10));
  const repr = [
    "Sequential(",
    "  (0): Linear(in_features=784, out_features=256, bias=True)",
    "  (1): ReLU()",
    "  (2): Linear(in_features=256, out_features=10, bias=True)",
    ")",
  ].join("\n");
  assert.equal(String(mlp), repr);
  assert.equal(inspect(mlp), repr);
  assert.equal(mlp.summary(), `${repr}\nTotal parameters: 203,530\nTrainable parameters: 203,530`);
  assert.equal(
    String(new Block()),
    [
      "Block(",
      "  (ln): LayerNorm((4,), eps=1e-05, elementwise_affine=True)",
      "  (fc): Linear(in_features=4, out_features=4, bias=True)",
      "  (drop): Dropout(p=0.5, inplace=False)",
      ")",
    ].join("\n"),
  );
  const nested = String(
    new nn.Sequential({ body: new nn.ModuleList([new nn.Tanh()]), out: new nn.Identity() }),
  );
  assert.equal(nested, "Sequential(\n  (body): ModuleList(\n    (0): Tanh()\n  )\n  (out): Identity()\n)");
});

test("a tiny MLP overfits one batch with plain SGD (loss falls more than 10x)", () => {
  gs.manualSeed(0);
  const model = new nn.Sequential(new nn.Linear(4, 32), new nn.ReLU(), new nn.Linear(32, 3));
  const x = gs.randn([16, 4]);
  const y = gs.randint(0, 3, [16]);
  const lr = 0.5;
  let first = 0;
  let last = 0;
  for (let step = 0; step < 300; step++) {
    const loss = gs.nn.functional.crossEntropy(model.forward(x), y);
    if (step === 0) first = loss.item();
    last = loss.item();
    model.zeroGrad();
    loss.backward();
    gs.noGrad(() => {
      for (const p of model.parameters()) p.sub_(p.grad!.mul(lr));
    });
  }
  assert.ok(last < first / 10, `loss went from ${first} to ${last}`);
});
