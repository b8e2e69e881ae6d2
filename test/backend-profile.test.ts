// profileKernels: every kernel call inside the function is counted and timed, and profiling ends after it.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as gs from "../src/index.js";
import { cpuJs } from "../src/backend/cpu-js.js";
import { NATIVE_KERNELS } from "../src/backend/native-kernels.js";
import { GPT } from "../src/models/gpt.js";
import { AdamW } from "../src/optim/adam.js";

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

test("profiling keeps the backend's capabilities", () => {
  const outside = gs.backend();
  const inside = gs.profileKernels(() => gs.backend()).result;
  assert.deepEqual(inside, outside);
  assert.ok(Array.isArray(inside.nativeKernels) && typeof inside.isa === "string");
});

test("cpu-js implements every kernel the native table declares", () => {
  for (const name of Object.keys(NATIVE_KERNELS))
    assert.equal(typeof (cpuJs as unknown as Record<string, unknown>)[name], "function", name);
});

test("a GPT and an LSTM training step take the native fast paths (no float32 kernel falls back to cpu-js)", (t) => {
  if (gs.backend().name !== "cpu-native") {
    t.skip("the native backend is not active");
    return;
  }
  // Every cpu-js kernel counts its calls: the native wrapper calls them only when the addon declines.
  const fallbacks = new Map<string, number>();
  const js = cpuJs as unknown as Record<string, unknown>;
  const saved = { ...js };
  for (const [k, v] of Object.entries(saved))
    if (k in NATIVE_KERNELS)
      js[k] = (...a: unknown[]) => {
        const name = typeof a[0] === "string" ? `${k}:${a[0]}` : k;
        fallbacks.set(name, (fallbacks.get(name) ?? 0) + 1);
        return (v as (...a: unknown[]) => unknown)(...a);
      };
  try {
    gs.manualSeed(1);
    const model = new GPT({
      vocabSize: 65,
      blockSize: 16,
      nLayer: 1,
      nHead: 2,
      nEmbd: 32,
      dropout: 0,
      bias: true,
    });
    const opt = new AdamW(model.parameters(), { lr: 1e-3 });
    const idx = gs.randint(0, 65, [2, 16]);
    const lstm = new gs.nn.LSTM(8, 16);
    const x = gs.randn([5, 3, 8]);
    const { kernels } = gs.profileKernels(() => {
      const { loss } = model.forward(idx, idx);
      opt.zeroGrad();
      loss!.backward();
      opt.step();
      const [y] = lstm.forward(x);
      y.sum().backward();
    });
    const ran = new Set(kernels.map(([k]) => k));
    for (const k of [
      "causalAttention",
      "layerNorm",
      "gelu",
      "crossEntropy",
      "matmulBias",
      "adamSteps",
      "recurrentSequenceForward:lstm",
      "recurrentSequenceBackward:lstm",
    ])
      assert.ok(ran.has(k), `${k} did not run`);
    // None declined (cross-entropy's backward, whose int32 product target·valid was the one, is a kernel now).
    assert.deepEqual([...fallbacks], []);
  } finally {
    Object.assign(js, saved);
  }
});
