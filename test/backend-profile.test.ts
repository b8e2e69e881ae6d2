// profileKernels: every kernel call inside the function is counted and timed, and profiling ends after it.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as gs from "../src/index.js";

test("profileKernels counts kernel calls by kernel and op", () => {
  const a = gs.randn([8, 8]);
  const { result, kernels, wallMs } = gs.profileKernels(() => a.matmul(a).add(1).exp().sum().item());
  assert.ok(Number.isFinite(result));
  const names = new Map(kernels);
  assert.equal(names.get("matmul")?.calls, 1);
  assert.equal(names.get("binary:add")?.calls, 1);
  assert.equal(names.get("unary:exp")?.calls, 1);
  assert.ok(wallMs >= 0);
  // Outside the call nothing is recorded any more.
  const again = gs.profileKernels(() => 0);
  assert.equal(again.kernels.length, 0);
});
