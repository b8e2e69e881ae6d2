/**
 * A small expression language for the micrograd page: `a*b + c`, `tanh(x1*w1 + x2*w2 + b)`, `x**2`.
 * Parsed by recursive descent into a tree, which becomes a graph of micrograd `Value`s (one leaf per
 * variable name, so a variable used twice gets both gradients added) and the gradstack code that
 * builds the same graph.
 */
import { micrograd } from "gradstack";

export const FUNCTIONS = ["tanh", "relu", "exp", "log", "sigmoid"] as const;
type Fn = (typeof FUNCTIONS)[number];

type BinaryOp = "+" | "-" | "*" | "/";

export type Expr =
  | { kind: "number"; value: number }
  | { kind: "variable"; name: string }
  | { kind: "binary"; op: BinaryOp; left: Expr; right: Expr }
  | { kind: "power"; base: Expr; exponent: number }
  | { kind: "negate"; operand: Expr }
  | { kind: "call"; fn: Fn; arg: Expr };

/** A parse error, with the character position it points at. */
export class ExpressionError extends Error {}

const TOKEN = /\s*(\d+\.?\d*(?:e[+-]?\d+)?|\.\d+|[A-Za-z_]\w*|\*\*|[-+*/^(),])/y;

function tokenize(text: string): { text: string; at: number }[] {
  const tokens: { text: string; at: number }[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    if (/^\s*$/.test(text.slice(TOKEN.lastIndex))) break;
    const at = TOKEN.lastIndex;
    const match = TOKEN.exec(text);
    if (!match) throw new ExpressionError(`unexpected "${text.slice(at).trim()[0]}" at character ${at + 1}`);
    tokens.push({ text: match[1], at: TOKEN.lastIndex - match[1].length });
  }
  return tokens;
}

/** Parses `text`: + - (left to right) below * / below unary minus below ** or ^ (numeric exponents). */
export function parseExpression(text: string): Expr {
  const tokens = tokenize(text);
  let i = 0;
  const peek = () => tokens[i]?.text;
  const where = () => (i < tokens.length ? `at character ${tokens[i].at + 1}` : "at the end");
  const expect = (t: string) => {
    if (peek() !== t) throw new ExpressionError(`expected "${t}" ${where()}`);
    i++;
  };
  /** Operands of `next` joined by `ops`, left to right: a - b - c is (a - b) - c. */
  const leftToRight = (ops: readonly BinaryOp[], next: () => Expr) => (): Expr => {
    let left = next();
    while (ops.includes(peek() as BinaryOp)) {
      const op = tokens[i++].text as BinaryOp;
      left = { kind: "binary", op, left, right: next() };
    }
    return left;
  };
  const product = leftToRight(["*", "/"], () => unary());
  const sum = leftToRight(["+", "-"], product);
  const unary = (): Expr => {
    if (peek() === "-") {
      i++;
      return { kind: "negate", operand: unary() };
    }
    return power();
  };
  const power = (): Expr => {
    const base = atom();
    if (peek() !== "**" && peek() !== "^") return base;
    i++;
    const sign = peek() === "-" ? (i++, -1) : 1;
    const exponent = Number(peek());
    if (peek() === undefined || !Number.isFinite(exponent))
      throw new ExpressionError(`the exponent must be a number ${where()}`);
    i++;
    return { kind: "power", base, exponent: sign * exponent };
  };
  const atom = (): Expr => {
    const t = peek();
    if (t === undefined) throw new ExpressionError("the expression ends too early");
    if (t === "(") {
      i++;
      const inner = sum();
      expect(")");
      return inner;
    }
    if (/^[\d.]/.test(t)) {
      i++;
      return { kind: "number", value: Number(t) };
    }
    if (/^[A-Za-z_]/.test(t)) {
      i++;
      if (peek() !== "(") return { kind: "variable", name: t };
      if (!(FUNCTIONS as readonly string[]).includes(t))
        throw new ExpressionError(`unknown function "${t}": use ${FUNCTIONS.join(", ")}`);
      i++;
      const arg = sum();
      expect(")");
      return { kind: "call", fn: t as Fn, arg };
    }
    throw new ExpressionError(`unexpected "${t}" ${where()}`);
  };
  if (tokens.length === 0) throw new ExpressionError("the expression is empty");
  const tree = sum();
  if (i < tokens.length) throw new ExpressionError(`unexpected "${peek()}" ${where()}`);
  return tree;
}

/** The variables of `expr`, in order of first use. */
export function variablesOf(expr: Expr, into: string[] = []): string[] {
  if (expr.kind === "variable" && !into.includes(expr.name)) into.push(expr.name);
  else if (expr.kind === "binary") {
    variablesOf(expr.left, into);
    variablesOf(expr.right, into);
  } else if (expr.kind === "power") variablesOf(expr.base, into);
  else if (expr.kind === "negate") variablesOf(expr.operand, into);
  else if (expr.kind === "call") variablesOf(expr.arg, into);
  return into;
}

/** Parses "a = 2, b = -3" into { a: 2, b: -3 }. */
export function parseAssignments(text: string): Record<string, number> {
  const values: Record<string, number> = {};
  for (const part of text.split(/[,;\n]/)) {
    if (part.trim() === "") continue;
    const match = /^\s*([A-Za-z_]\w*)\s*=\s*(\S+)\s*$/.exec(part);
    if (!match || !Number.isFinite(Number(match[2])))
      throw new ExpressionError(`"${part.trim()}" is not of the form name = number`);
    values[match[1]] = Number(match[2]);
  }
  return values;
}

const METHOD = { "+": "add", "-": "sub", "*": "mul", "/": "div" } as const;

/** Builds the `Value` graph of `expr`; each variable is one leaf labelled with its name. */
export function buildGraph(expr: Expr, values: Record<string, number>): micrograd.Value {
  const leaves = new Map<string, micrograd.Value>();
  const build = (e: Expr): micrograd.Value => {
    switch (e.kind) {
      case "number":
        return new micrograd.Value(e.value, { label: String(e.value) });
      case "variable": {
        if (!(e.name in values)) throw new ExpressionError(`give "${e.name}" a value, e.g. ${e.name} = 1`);
        if (!leaves.has(e.name)) leaves.set(e.name, new micrograd.Value(values[e.name], { label: e.name }));
        return leaves.get(e.name)!;
      }
      case "binary":
        return build(e.left)[METHOD[e.op]](build(e.right));
      case "power":
        return build(e.base).pow(e.exponent);
      case "negate":
        return build(e.operand).neg();
      case "call":
        return build(e.arg)[e.fn]();
    }
  };
  return build(expr);
}

/** The gradstack code that builds the same graph and backpropagates through it. */
export function expressionCode(expr: Expr, values: Record<string, number>): string {
  const code = (e: Expr): string => {
    switch (e.kind) {
      case "number":
        return `new Value(${e.value})`;
      case "variable":
        return e.name;
      case "binary":
        return `${code(e.left)}.${METHOD[e.op]}(${code(e.right)})`;
      case "power":
        return `${code(e.base)}.pow(${e.exponent})`;
      case "negate":
        return `${code(e.operand)}.neg()`;
      case "call":
        return `${code(e.arg)}.${e.fn}()`;
    }
  };
  const leaves = variablesOf(expr).map(
    (name) => `const ${name} = new Value(${values[name] ?? 0}, { label: "${name}" });`,
  );
  return `import * as gs from "gradstack";
const { Value } = gs.micrograd;

${leaves.join("\n")}
const out = ${code(expr)};
out.backward(); // out.grad = 1, then each node's grad, from the output back to the leaves
${variablesOf(expr)
  .map((name) => `console.log("d out / d ${name} =", ${name}.grad);`)
  .join("\n")}
`;
}

/** Expressions to start from: micrograd's first example, a neuron, and a variable used twice. */
export const PRESETS: readonly { name: string; expression: string; values: string }[] = [
  { name: "a*b + c", expression: "a*b + c", values: "a = 2, b = -3, c = 10" },
  {
    name: "a neuron",
    expression: "tanh(x1*w1 + x2*w2 + b)",
    values: "x1 = 2, x2 = 0, w1 = -3, w2 = 1, b = 6.8813735870195432",
  },
  { name: "a used twice", expression: "a*a + exp(b) / a", values: "a = 1.5, b = 0.5" },
  { name: "squared error", expression: "(w*x + b - y)**2", values: "w = 0.5, x = 2, b = 0.1, y = 3" },
];
