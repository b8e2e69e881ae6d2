/** Loading the PyTorch reference cases in test/fixtures/torch and comparing tensors against them. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as path from "node:path";
import { Tensor, tensor, type DType } from "../../src/index.js";

/** The repository root (tests run from build/test/...). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

export interface FixtureTensor {
  shape: number[];
  data: number[];
  dtype?: string;
}

export interface Fixture {
  name: string;
  kind: "op" | "module" | "optimizer";
  config: Record<string, unknown>;
  inputs: Record<string, FixtureTensor>;
  int_inputs: Record<string, FixtureTensor>;
  params: Record<string, FixtureTensor>;
  outputs: Record<string, FixtureTensor>;
  upstream: Record<string, FixtureTensor>;
  grads: Record<string, FixtureTensor>;
  param0?: FixtureTensor;
  param3?: FixtureTensor;
  [key: string]: unknown;
}

export function loadFixture(name: string): Fixture {
  return JSON.parse(
    readFileSync(path.join(repoRoot, "test/fixtures/torch", `${name}.json`), "utf8"),
  ) as Fixture;
}

/** A tensor from a fixture entry (float32 by default; int inputs as int32). */
export function fromFixture(f: FixtureTensor, opts: { dtype?: DType; requiresGrad?: boolean } = {}): Tensor {
  const dtype = opts.dtype ?? (f.dtype === "int32" ? "int32" : "float32");
  return tensor(f.data, { shape: f.shape, dtype, requiresGrad: opts.requiresGrad ?? false });
}

/** max|got - want| <= tol · max(1, max|want|), and equal shapes when `want` has one. */
export function assertClose(
  got: Tensor | ArrayLike<number>,
  want: FixtureTensor | Tensor | ArrayLike<number>,
  tol = 1e-4,
  what = "value",
): void {
  const g = got instanceof Tensor ? Array.from(got.toArray()) : Array.from(got);
  let w: number[];
  if (want instanceof Tensor) {
    if (got instanceof Tensor) assert.deepEqual(got.shape, want.shape, `${what}: shape`);
    w = Array.from(want.toArray());
  } else if ("shape" in want && "data" in want) {
    if (got instanceof Tensor) assert.deepEqual([...got.shape], want.shape, `${what}: shape`);
    w = want.data;
  } else {
    w = Array.from(want as ArrayLike<number>);
  }
  assert.equal(g.length, w.length, `${what}: ${g.length} values, expected ${w.length}`);
  const scale = Math.max(1, ...w.map(Math.abs));
  let worst = 0;
  let at = -1;
  for (let i = 0; i < g.length; i++) {
    const e = Math.abs(g[i] - w[i]);
    if (!(e <= worst)) {
      worst = e;
      at = i;
    }
  }
  assert.ok(
    worst <= tol * scale,
    `${what}: max error ${worst} at ${at} (got ${g[at]}, want ${w[at]}), tolerance ${tol * scale}`,
  );
}
