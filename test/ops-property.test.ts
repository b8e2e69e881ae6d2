// Property-based tests (fast-check, fixed seed, time budget): random shapes, broadcasting, dtypes and
// memory layouts for the elementwise, reduction and movement ops, each checked against a plain
// reference written with index loops below. Inputs are small integers (exact in every dtype), so
// results must match exactly, except where float32 rounding is stated.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import * as gs from "../src/index.js";
import type { DType } from "../src/index.js";

/** Runs per property, the seed, and the time after which a property stops early (still passing). */
const RUNS = 300;
const FC = { seed: 19, numRuns: RUNS, interruptAfterTimeLimit: 4000, markInterruptAsFailure: false };

// ---- the reference: a flat array in row-major order and its shape --------------------------------

interface Ref {
  shape: number[];
  data: number[];
  dtype: DType;
}

const numel = (shape: readonly number[]) => shape.reduce((p, s) => p * s, 1);

function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return idx;
}

function ravel(idx: readonly number[], shape: readonly number[]): number {
  let i = 0;
  for (let d = 0; d < shape.length; d++) i = i * shape[d] + idx[d];
  return i;
}

/** A reference tensor whose element at each index is f(index). */
function build(shape: number[], dtype: DType, f: (idx: number[]) => number): Ref {
  return { shape, dtype, data: Array.from({ length: numel(shape) }, (_, i) => f(unravel(i, shape))) };
}

const at = (r: Ref, idx: readonly number[]) => r.data[ravel(idx, r.shape)];

/** Rounds a value as a store into `dtype` does. */
function store(v: number, dtype: DType): number {
  if (dtype === "float32") return Math.fround(v);
  if (dtype === "int32") return v | 0;
  if (dtype === "bool") return v ? 1 : 0;
  return v;
}

function broadcast(a: readonly number[], b: readonly number[]): number[] | null {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return null;
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** The index into a tensor of `shape` that broadcasts to `idx` of a larger shape. */
const broadcastIndex = (idx: readonly number[], shape: readonly number[]) =>
  shape.map((s, d) => (s === 1 ? 0 : idx[idx.length - shape.length + d]));

const RANK: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 3 };
const CATEGORY: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 2 };
const higher = (a: DType, b: DType) => (RANK[a] >= RANK[b] ? a : b);

/** PyTorch's promotion for two tensors: dimensioned ones decide unless a 0-d one is of a higher category. */
function promoted(a: Ref, b: Ref): DType {
  const dims = [a, b].filter((t) => t.shape.length > 0).map((t) => t.dtype);
  const zeros = [a, b].filter((t) => t.shape.length === 0).map((t) => t.dtype);
  let out = (dims.length ? dims : zeros).reduce(higher);
  const z = zeros.length ? zeros.reduce(higher) : null;
  if (z !== null && CATEGORY[z] > CATEGORY[out]) out = z;
  return out;
}

// ---- how tensors are made: the reference's values, optionally through a non-contiguous layout ----

function toTensor(r: Ref, layout: number[] | null): gs.Tensor {
  const values = r.dtype === "bool" ? r.data.map((v) => v !== 0) : r.data;
  if (layout === null || r.shape.length < 2) return gs.tensor(values, { shape: r.shape, dtype: r.dtype });
  // Store the values permuted by `layout`, then permute back: same values, strided memory.
  const stored = permuteRef(r, layout);
  const inverse = layout.map((_, i) => layout.indexOf(i));
  const storedValues = r.dtype === "bool" ? stored.data.map((v) => v !== 0) : stored.data;
  return gs.tensor(storedValues, { shape: stored.shape, dtype: r.dtype }).permute(inverse);
}

function permuteRef(r: Ref, perm: readonly number[]): Ref {
  return build(
    perm.map((p) => r.shape[p]),
    r.dtype,
    (idx) => {
      const src = new Array<number>(perm.length);
      perm.forEach((p, k) => (src[p] = idx[k]));
      return at(r, src);
    },
  );
}

/** Asserts that t has the reference's shape, dtype and values (NaN equals NaN; 0 equals -0). */
function assertMatches(t: gs.Tensor, want: Ref, what: string, tol = 0): void {
  assert.deepEqual(t.shape, want.shape, `${what}: shape`);
  assert.equal(t.dtype, want.dtype, `${what}: dtype`);
  const got = Array.from(t.toArray());
  want.data.forEach((w, i) => {
    const g = got[i];
    const ok = Number.isNaN(w)
      ? Number.isNaN(g)
      : g === w || Math.abs(g - w) <= tol * Math.max(1, Math.abs(w));
    if (!ok) assert.fail(`${what}: element ${i} is ${g}, expected ${w}`);
  });
}

// ---- arbitraries -----------------------------------------------------------------------------------

const DTYPES: DType[] = ["float32", "float64", "int32", "bool"];
const shapeArb = fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 0, maxLength: 4 });

function refArb(shape: number[], dtype: DType): fc.Arbitrary<Ref> {
  const value = dtype === "bool" ? fc.integer({ min: 0, max: 1 }) : fc.integer({ min: -6, max: 6 });
  return fc
    .array(value, { minLength: numel(shape), maxLength: numel(shape) })
    .map((data) => ({ shape, dtype, data }));
}

const permArb = (n: number) =>
  fc.shuffledSubarray(
    Array.from({ length: n }, (_, i) => i),
    { minLength: n, maxLength: n },
  );

/** A tensor (as a reference) and maybe a layout that makes it non-contiguous. */
const tensorArb = (shape: fc.Arbitrary<number[]> = shapeArb, dtypes: DType[] = DTYPES) =>
  fc
    .tuple(shape, fc.constantFrom(...dtypes))
    .chain(([s, d]) => fc.tuple(refArb(s, d), fc.option(permArb(s.length), { nil: null })));

/** Two shapes that broadcast: the second derived from the first by dropping leading dims and setting dims to 1. */
const broadcastPairArb = shapeArb.chain((a) =>
  fc
    .tuple(
      fc.integer({ min: 0, max: a.length }),
      fc.array(fc.boolean(), { minLength: a.length, maxLength: a.length }),
      fc.boolean(),
    )
    .map(([drop, ones, swap]) => {
      const b = a.slice(drop).map((s, i) => (ones[i + drop] ? 1 : s));
      return swap ? [b, a] : [a, b];
    }),
);

// ---- elementwise -----------------------------------------------------------------------------------

type Binary = "add" | "sub" | "mul" | "div" | "maximum" | "minimum" | "eq" | "ne" | "lt" | "le" | "gt" | "ge";
const COMPARISONS = new Set<Binary>(["eq", "ne", "lt", "le", "gt", "ge"]);
const SCALAR: Record<Binary, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  maximum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b)),
  minimum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b)),
  eq: (a, b) => +(a === b),
  ne: (a, b) => +(a !== b),
  lt: (a, b) => +(a < b),
  le: (a, b) => +(a <= b),
  gt: (a, b) => +(a > b),
  ge: (a, b) => +(a >= b),
};

test(`binary ops: broadcasting, promotion and strided inputs match the reference (${RUNS} runs)`, () => {
  const ops = Object.keys(SCALAR) as Binary[];
  const arb = broadcastPairArb.chain(([sa, sb]) =>
    fc.tuple(fc.constantFrom(...ops), tensorArb(fc.constant(sa)), tensorArb(fc.constant(sb))),
  );
  fc.assert(
    fc.property(arb, ([op, [a, la], [b, lb]]) => {
      let compute = promoted(a, b);
      if (op === "div" && CATEGORY[compute] < 2) compute = "float32";
      const what = `${op} ${a.dtype}${JSON.stringify(a.shape)} ${b.dtype}${JSON.stringify(b.shape)}`;
      const ta = toTensor(a, la);
      const tb = toTensor(b, lb);
      if (op === "sub" && compute === "bool") {
        assert.throws(() => ta.sub(tb), /sub: subtracting two bool tensors is not supported/, what);
        return;
      }
      const shape = broadcast(a.shape, b.shape)!;
      const out = COMPARISONS.has(op) ? "bool" : compute;
      const want = build(shape, out, (idx) => {
        const x = store(at(a, broadcastIndex(idx, a.shape)), compute);
        const y = store(at(b, broadcastIndex(idx, b.shape)), compute);
        return store(SCALAR[op](x, y), out);
      });
      assertMatches(ta[op](tb), want, what);
    }),
    FC,
  );
});

test(`binary ops with a plain number follow PyTorch's scalar promotion (${RUNS} runs)`, () => {
  const arb = fc.tuple(
    tensorArb(),
    fc.constantFrom<Binary>("add", "mul", "maximum", "lt"),
    fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom(0.5, -1.5), fc.boolean()),
  );
  fc.assert(
    fc.property(arb, ([[a, la], op, s]) => {
      const scalarType: DType = typeof s === "boolean" ? "bool" : Number.isInteger(s) ? "int32" : "float32";
      // A number only changes the dtype when it is of a higher category (then: that category's default).
      const compute = CATEGORY[scalarType] > CATEGORY[a.dtype] ? scalarType : a.dtype;
      const out = op === "lt" ? "bool" : compute;
      const want = build(a.shape.slice(), out, (idx) =>
        store(SCALAR[op](store(at(a, idx), compute), store(Number(s), compute)), out),
      );
      assertMatches(toTensor(a, la)[op](s), want, `${op} ${a.dtype}${JSON.stringify(a.shape)} and ${s}`);
    }),
    FC,
  );
});

test(`unary ops keep or float the dtype as PyTorch (${RUNS} runs)`, () => {
  const ops: [string, (t: gs.Tensor) => gs.Tensor, (v: number) => number, "same" | "float"][] = [
    ["neg", (t) => t.neg(), (v) => -v, "same"],
    ["abs", (t) => t.abs(), Math.abs, "same"],
    ["relu", (t) => t.relu(), (v) => Math.max(v, 0), "same"],
    ["exp", (t) => t.exp(), Math.exp, "float"],
    ["sqrt", (t) => t.sqrt(), Math.sqrt, "float"],
    ["tanh", (t) => t.tanh(), Math.tanh, "float"],
  ];
  const arb = fc.tuple(tensorArb(shapeArb, ["float32", "float64", "int32"]), fc.constantFrom(...ops));
  fc.assert(
    fc.property(arb, ([[a, la], [name, run, f, kind]]) => {
      const out: DType = kind === "same" ? a.dtype : a.dtype === "float64" ? "float64" : "float32";
      const want = build(a.shape.slice(), out, (idx) => store(f(at(a, idx)), out));
      // Transcendental kernels may differ from Math by an ulp or two (vectorised or libm versions).
      const tol = kind === "float" ? (out === "float32" ? 1e-6 : 1e-14) : 0;
      assertMatches(run(toTensor(a, la)), want, `${name} ${a.dtype}${JSON.stringify(a.shape)}`, tol);
    }),
    FC,
  );
});

// ---- reductions ------------------------------------------------------------------------------------

/** The reference reduction of r over `dims` (sorted, unique) with keepdim. */
function reduceRef(
  r: Ref,
  dims: number[],
  keepdim: boolean,
  dtype: DType,
  init: number,
  f: (acc: number, v: number) => number,
): Ref {
  const outShape = r.shape.flatMap((s, d) => (dims.includes(d) ? (keepdim ? [1] : []) : [s]));
  const acc = new Array<number>(numel(outShape)).fill(init);
  r.data.forEach((v, i) => {
    const idx = unravel(i, r.shape);
    const o = idx.flatMap((x, d) => (dims.includes(d) ? (keepdim ? [0] : []) : [x]));
    const k = ravel(o, outShape);
    acc[k] = f(acc[k], v);
  });
  return { shape: outShape, dtype, data: acc.map((v) => store(v, dtype)) };
}

const dimsArb = (ndim: number) => fc.subarray(Array.from({ length: ndim }, (_, i) => i));

test(`sum, mean, amax, amin over random dims with keepdim match the reference (${RUNS} runs)`, () => {
  const arb = tensorArb().chain(([r, layout]) =>
    fc.tuple(
      fc.constant(r),
      fc.constant(layout),
      dimsArb(r.shape.length),
      fc.boolean(),
      fc.constantFrom("sum", "mean", "amax", "amin"),
    ),
  );
  fc.assert(
    fc.property(arb, ([r, layout, dims, keepdim, op]) => {
      const t = toTensor(r, layout);
      // An empty list of dims reduces nothing in gradstack's normDims; PyTorch's sum(dim=[]) reduces all.
      const use = dims.length > 0 ? dims : r.shape.map((_, i) => i);
      const what = `${op} ${r.dtype}${JSON.stringify(r.shape)} dims ${JSON.stringify(use)} keepdim ${keepdim}`;
      const arg = dims.length > 0 ? dims : undefined;
      // As PyTorch: an error only when a reduced dim is empty (amax over dim 1 of a [0, 1] tensor is fine).
      const reducedEmpty = use.some((d) => r.shape[d] === 0);
      if (op === "sum") {
        const dtype = r.dtype === "bool" ? "int32" : r.dtype;
        assertMatches(
          t.sum(arg, keepdim),
          reduceRef(r, use, keepdim, dtype, 0, (a, v) => a + v),
          what,
        );
      } else if (op === "mean") {
        if (r.dtype === "int32" || r.dtype === "bool") {
          assert.throws(() => t.mean(arg, keepdim), /mean: expects a floating-point tensor/, what);
          return;
        }
        const n = numel(use.map((d) => r.shape[d]));
        const sum = reduceRef(r, use, keepdim, r.dtype, 0, (a, v) => a + v);
        assertMatches(
          t.mean(arg, keepdim),
          { ...sum, data: sum.data.map((v) => store(v / n, r.dtype)) },
          what,
        );
      } else {
        const run = () => (op === "amax" ? t.amax(arg, keepdim) : t.amin(arg, keepdim));
        if (reducedEmpty) {
          assert.throws(run, /cannot reduce over an empty dim/, what);
          return;
        }
        const f = op === "amax" ? Math.max : Math.min;
        assertMatches(
          run(),
          reduceRef(r, use, keepdim, r.dtype, op === "amax" ? -Infinity : Infinity, f),
          what,
        );
      }
    }),
    FC,
  );
});

test(`max(dim) gives PyTorch's { values, indices } with the first extreme index (${RUNS} runs)`, () => {
  const arb = tensorArb(fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }), [
    "float32",
    "int32",
  ]).chain(([r, layout]) =>
    fc.tuple(fc.constant(r), fc.constant(layout), fc.integer({ min: 0, max: r.shape.length - 1 })),
  );
  fc.assert(
    fc.property(arb, ([r, layout, dim]) => {
      const { values, indices } = toTensor(r, layout).max(dim);
      const outShape = r.shape.filter((_, d) => d !== dim);
      const best = build(outShape, "int32", (o) => {
        let bi = 0;
        for (let i = 1; i < r.shape[dim]; i++) {
          const idx = [...o.slice(0, dim), i, ...o.slice(dim)];
          const cur = [...o.slice(0, dim), bi, ...o.slice(dim)];
          if (at(r, idx) > at(r, cur)) bi = i;
        }
        return bi;
      });
      assertMatches(indices, best, `argmax dim ${dim} of ${JSON.stringify(r.shape)}`);
      const vals = build(outShape, r.dtype, (o) =>
        at(r, [...o.slice(0, dim), best.data[ravel(o, outShape)], ...o.slice(dim)]),
      );
      assertMatches(values, vals, `max dim ${dim} of ${JSON.stringify(r.shape)}`);
    }),
    FC,
  );
});

// ---- movement --------------------------------------------------------------------------------------

test(`permute, transpose, flip, slice, expand, repeat and reshape match the reference (${RUNS} runs)`, () => {
  type Case = { name: string; run: (t: gs.Tensor) => gs.Tensor; want: Ref };
  const caseArb = (r: Ref): fc.Arbitrary<Case> => {
    const n = r.shape.length;
    const options: fc.Arbitrary<Case>[] = [
      permArb(n).map((p) => ({ name: `permute(${p})`, run: (t) => t.permute(...p), want: permuteRef(r, p) })),
      dimsArb(n).map((ds) => ({
        name: `flip(${ds})`,
        run: (t) => t.flip(ds),
        want: build(r.shape.slice(), r.dtype, (idx) =>
          at(
            r,
            idx.map((x, d) => (ds.includes(d) ? r.shape[d] - 1 - x : x)),
          ),
        ),
      })),
      fc
        .tuple(
          fc.integer({ min: 0, max: 2 }),
          fc.array(fc.integer({ min: 0, max: 3 }), { minLength: n, maxLength: n }),
        )
        .map(([lead, reps]) => {
          const sizes = [...new Array<number>(lead).fill(2), ...reps];
          const inShape = [...new Array<number>(lead).fill(1), ...r.shape];
          const outShape = inShape.map((s, d) => s * sizes[d]);
          return {
            name: `repeat(${sizes})`,
            run: (t: gs.Tensor) => t.repeat(...sizes),
            want: build(outShape, r.dtype, (idx) =>
              at(
                r,
                idx.slice(lead).map((x, d) => x % r.shape[d]),
              ),
            ),
          };
        }),
      fc.constant({
        name: "reshape(-1)",
        run: (t: gs.Tensor) => t.reshape(-1),
        want: { ...r, shape: [numel(r.shape)] },
      }),
    ];
    if (n >= 1)
      options.push(
        fc
          .tuple(
            fc.integer({ min: 0, max: n - 1 }),
            fc.integer({ min: -5, max: 5 }),
            fc.integer({ min: -5, max: 5 }),
            fc.integer({ min: 1, max: 3 }),
          )
          .map(([d, s, e, step]) => {
            const size = r.shape[d];
            const clampIdx = (v: number) => Math.min(Math.max(v < 0 ? v + size : v, 0), size);
            const lo = clampIdx(s);
            const len = Math.max(0, Math.ceil((clampIdx(e) - lo) / step));
            const outShape = r.shape.map((x, k) => (k === d ? len : x));
            return {
              name: `slice(${d}, ${s}, ${e}, ${step})`,
              run: (t: gs.Tensor) => t.slice(d, s, e, step),
              want: build(outShape, r.dtype, (idx) =>
                at(
                  r,
                  idx.map((x, k) => (k === d ? lo + x * step : x)),
                ),
              ),
            };
          }),
        fc.tuple(fc.integer({ min: 0, max: n - 1 }), fc.integer({ min: 0, max: n - 1 })).map(([d0, d1]) => {
          const p = r.shape.map((_, i) => (i === d0 ? d1 : i === d1 ? d0 : i));
          return {
            name: `transpose(${d0}, ${d1})`,
            run: (t: gs.Tensor) => t.transpose(d0, d1),
            want: permuteRef(r, p),
          };
        }),
      );
    // expand: size-1 dims grow, and up to two new leading dims appear.
    options.push(
      fc
        .tuple(
          fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 2 }),
          fc.array(fc.integer({ min: 0, max: 3 }), { minLength: n, maxLength: n }),
        )
        .map(([lead, grow]) => {
          const target = [...lead, ...r.shape.map((s, d) => (s === 1 ? grow[d] : s))];
          return {
            name: `expand(${target})`,
            run: (t: gs.Tensor) => t.expand(...target),
            want: build(target, r.dtype, (idx) => at(r, broadcastIndex(idx, r.shape))),
          };
        }),
    );
    return fc.oneof(...options);
  };
  const arb = tensorArb().chain(([r, layout]) => fc.tuple(fc.constant(r), fc.constant(layout), caseArb(r)));
  fc.assert(
    fc.property(arb, ([r, layout, c]) => {
      const t = toTensor(r, layout);
      const what = `${c.name} of ${r.dtype}${JSON.stringify(r.shape)}${layout ? ` (strided ${layout})` : ""}`;
      assertMatches(c.run(t), c.want, what);
      // A view must not change its input.
      assertMatches(t, r, `${what}: input`);
    }),
    FC,
  );
});

test(`impossible or malformed shapes are refused by every creation function (${RUNS} runs)`, () => {
  const bad = fc.oneof(
    fc.integer({ min: -5, max: -1 }),
    fc.double({ noInteger: true, noNaN: false }),
    fc.constantFrom(Infinity, NaN, 2 ** 40),
    fc.constantFrom("2", null, undefined, true, {}),
  );
  const arb = fc.tuple(
    fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }),
    bad,
    fc.nat(3),
    fc.constantFrom("zeros", "ones", "empty", "randn", "rand"),
  );
  fc.assert(
    fc.property(arb, ([good, b, at, fn]) => {
      const shape: unknown[] = [...good];
      shape.splice(Math.min(at, shape.length), 0, b);
      const create = (gs as unknown as Record<string, (s: unknown) => gs.Tensor>)[fn];
      const huge = typeof b === "number" && Number.isInteger(b) && b > 0;
      if (huge && numel(shape as number[]) <= 2 ** 32) return; // large but possible: not this test's business
      assert.throws(
        () => create(shape),
        (e: Error) => e.message.startsWith(`${fn}: shape [`) && !/Invalid typed array length/.test(e.message),
        `${fn}(${JSON.stringify(shape)})`,
      );
    }),
    FC,
  );
});
