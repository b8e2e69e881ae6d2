/**
 * A scalar reverse-mode autograd engine in the spirit of Karpathy's micrograd: every `Value` remembers
 * the op and inputs that made it, and `backward()` walks that graph from the output to the leaves.
 * Unlike the original, the walk uses an explicit stack, so a chain of 100,000 ops backpropagates
 * without overflowing the JS call stack.
 */

/** Anything an op accepts: a `Value`, or a plain number that is wrapped as a constant leaf. */
export type Operand = Value | number;

export interface ValueOptions {
  /** A name shown by `toDot`, e.g. "w0" or "loss". */
  label?: string;
}

const NO_CHILDREN: readonly Value[] = Object.freeze([]);
const noop = (): void => {};

/**
 * A scalar that tracks how it was computed, so gradients can flow back to its inputs.
 *
 * @example
 * const a = new Value(2, { label: "a" });
 * const b = new Value(-3, { label: "b" });
 * const c = a.mul(b).add(a.pow(2)); // c = a*b + a^2 = -2
 * c.backward();
 * a.grad; // dc/da = b + 2a = 1
 * b.grad; // dc/db = a = 2
 */
export class Value {
  data: number;
  /** dRoot/dThis after `root.backward()`; accumulates across calls until reset with `zeroGrad`. */
  grad = 0;
  label: string;
  #op = "";
  #children: readonly Value[] = NO_CHILDREN;
  /** Adds this node's contribution to its children's grads, given itself (with its final grad). */
  #backward: (out: Value) => void = noop;

  constructor(data: number, opts: ValueOptions = {}) {
    this.data = data;
    this.label = opts.label ?? "";
  }

  /** The op that produced this value ("+", "*", "tanh", "**2", ...); "" for a leaf. */
  get op(): string {
    return this.#op;
  }

  /** The inputs of that op, in argument order; empty for a leaf. */
  get children(): readonly Value[] {
    return this.#children;
  }

  /** The output node of an op, with the closure that backpropagates through it. */
  static #result(
    data: number,
    op: string,
    children: readonly Value[],
    backward: (out: Value) => void,
  ): Value {
    const out = new Value(data);
    out.#op = op;
    out.#children = children;
    out.#backward = backward;
    return out;
  }

  /** this + other. @example new Value(2).add(3).data === 5 */
  add(other: Operand): Value {
    const o = toValue(other);
    return Value.#result(this.data + o.data, "+", [this, o], (out) => {
      // `+=` rather than `=`: the same node may feed several ops (or both sides of one, as in a.add(a)).
      this.grad += out.grad;
      o.grad += out.grad;
    });
  }

  /** this * other. @example new Value(2).mul(3).data === 6 */
  mul(other: Operand): Value {
    const o = toValue(other);
    return Value.#result(this.data * o.data, "*", [this, o], (out) => {
      this.grad += o.data * out.grad;
      o.grad += this.data * out.grad;
    });
  }

  /** this ** exponent, for a constant exponent (op "**<exponent>"). @example new Value(3).pow(2).data === 9 */
  pow(exponent: number): Value {
    return Value.#result(this.data ** exponent, `**${exponent}`, [this], (out) => {
      // d/dx x^0 is 0 everywhere; the general formula would give 0 * 0^-1 = NaN at x = 0.
      if (exponent !== 0) this.grad += exponent * this.data ** (exponent - 1) * out.grad;
    });
  }

  /** -this. @example new Value(2).neg().data === -2 */
  neg(): Value {
    return Value.#result(-this.data, "neg", [this], (out) => {
      this.grad -= out.grad;
    });
  }

  /** this - other. @example new Value(5).sub(3).data === 2 */
  sub(other: Operand): Value {
    const o = toValue(other);
    return Value.#result(this.data - o.data, "-", [this, o], (out) => {
      this.grad += out.grad;
      o.grad -= out.grad;
    });
  }

  /** this / other. @example new Value(6).div(3).data === 2 */
  div(other: Operand): Value {
    const o = toValue(other);
    return Value.#result(this.data / o.data, "/", [this, o], (out) => {
      this.grad += out.grad / o.data;
      o.grad -= ((this.data / o.data) * out.grad) / o.data;
    });
  }

  /** Hyperbolic tangent. @example new Value(0).tanh().data === 0 */
  tanh(): Value {
    const t = Math.tanh(this.data);
    return Value.#result(t, "tanh", [this], (out) => {
      this.grad += (1 - t * t) * out.grad;
    });
  }

  /** max(0, this); its gradient at exactly 0 is taken to be 0. @example new Value(-2).relu().data === 0 */
  relu(): Value {
    return Value.#result(this.data > 0 ? this.data : 0, "relu", [this], (out) => {
      if (this.data > 0) this.grad += out.grad;
    });
  }

  /** e ** this. @example new Value(0).exp().data === 1 */
  exp(): Value {
    const e = Math.exp(this.data);
    return Value.#result(e, "exp", [this], (out) => {
      this.grad += e * out.grad;
    });
  }

  /** Natural log (NaN below 0, -Infinity at 0, as Math.log). @example new Value(1).log().data === 0 */
  log(): Value {
    return Value.#result(Math.log(this.data), "log", [this], (out) => {
      this.grad += out.grad / this.data;
    });
  }

  /** 1 / (1 + e^-this). @example new Value(0).sigmoid().data === 0.5 */
  sigmoid(): Value {
    const x = this.data;
    // Two forms so that exp never overflows: e^-x for x >= 0, e^x for x < 0.
    const s = x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
    return Value.#result(s, "sigmoid", [this], (out) => {
      this.grad += s * (1 - s) * out.grad;
    });
  }

  /**
   * Backpropagates from this value: sets `this.grad = 1`, then adds d(this)/d(node) into `node.grad` for
   * every node it depends on. Grads accumulate, as in micrograd: a second call without zeroing adds
   * again, and since inner nodes keep their grads too, it adds more than the first call did. For a
   * clean rerun, `zeroGrad(topologicalOrder(root))` first.
   *
   * @example
   * const x = new Value(3);
   * x.mul(x).backward();
   * x.grad; // 6
   */
  backward(): void {
    const order = topologicalOrder(this);
    this.grad = 1;
    // Parents before children: a node's grad is complete before it is passed on.
    for (let i = order.length - 1; i >= 0; i--) order[i].#backward(order[i]);
  }

  /** @example new Value(2).toString() === "Value(data=2.0000, grad=0.0000)" */
  toString(): string {
    return `Value(data=${fmt(this.data)}, grad=${fmt(this.grad)})`;
  }
}

/** Wraps a number as a constant leaf; returns a `Value` unchanged. */
export function toValue(x: Operand): Value {
  return x instanceof Value ? x : new Value(x);
}

/**
 * Every value that `root` depends on (including `root`), each once, children before parents.
 * Iterative depth-first search: `path` holds the open nodes, `next` the index of each one's next child.
 *
 * @example
 * const a = new Value(1);
 * topologicalOrder(a.add(2)); // [a, Value(2), a + 2]
 */
export function topologicalOrder(root: Value): Value[] {
  const order: Value[] = [];
  const seen = new Set<Value>([root]);
  const path: Value[] = [root];
  const next: number[] = [0];
  while (path.length > 0) {
    const top = path.length - 1;
    const children = path[top].children;
    if (next[top] < children.length) {
      const child = children[next[top]++];
      if (!seen.has(child)) {
        seen.add(child);
        path.push(child);
        next.push(0);
      }
    } else {
      order.push(path[top]);
      path.pop();
      next.pop();
    }
  }
  return order;
}

/**
 * Sets `grad = 0` on each value, e.g. before the next training step's `backward()`.
 *
 * @example
 * zeroGrad(model.parameters());
 */
export function zeroGrad(values: Iterable<Value>): void {
  for (const v of values) v.grad = 0;
}

function fmt(x: number): string {
  return x.toFixed(4);
}

/** Escapes text for a Graphviz record label, where `{ } | < >` are structure and `"`, `\` are string syntax. */
function escapeRecord(text: string): string {
  return text.replace(/[\\"{}|<>]/g, (c) => `\\${c}`).replace(/\r?\n/g, "\\n");
}

/** Escapes text for an ordinary quoted DOT label. */
function escapeLabel(text: string): string {
  return text.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\r?\n/g, "\\n");
}

/**
 * Renders the graph behind `root` in Graphviz DOT, left to right: a record node per value showing its
 * label (if any), data and grad, and an op node between each computed value and its inputs. Node ids
 * (`v0`, `v1`, ... in topological order, op node of `vN` is `vN_op`) depend only on the graph's shape,
 * so the output is stable. Render with e.g. `dot -Tsvg graph.dot > graph.svg`.
 *
 * @example
 * const a = new Value(2, { label: "a" });
 * const y = a.mul(3).tanh();
 * y.backward();
 * console.log(toDot(y));
 */
export function toDot(root: Value): string {
  const order = topologicalOrder(root);
  const ids = new Map<Value, string>(order.map((v, i) => [v, `v${i}`]));
  const lines = ["digraph micrograd {", "  rankdir=LR;", '  node [fontname="Helvetica"];'];
  for (const v of order) {
    const id = ids.get(v) as string;
    const fields = [`data ${fmt(v.data)}`, `grad ${fmt(v.grad)}`];
    if (v.label !== "") fields.unshift(escapeRecord(v.label));
    lines.push(`  ${id} [shape=record, label="{ ${fields.join(" | ")} }"];`);
    if (v.children.length === 0) continue;
    lines.push(`  ${id}_op [shape=ellipse, label="${escapeLabel(v.op)}"];`);
    // One edge per child link: a.add(a) draws two edges from a.
    for (const c of v.children) lines.push(`  ${ids.get(c) as string} -> ${id}_op;`);
    lines.push(`  ${id}_op -> ${id};`);
  }
  lines.push("}");
  return lines.join("\n") + "\n";
}
