/**
 * Backward gives each gradient temporary back as soon as nothing can read it, as PyTorch frees it when
 * its last reference goes: a deep chain then backpropagates in memory of about one layer's gradients,
 * not all of them at once. Measured in a fresh process (its peak resident memory), on the suite's
 * backend.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";

const indexUrl = new URL("../src/index.js", import.meta.url).href;
const LAYERS = 40;
const ROWS = 1024;
const COLS = 512; // 2 MiB a float32 tensor

// Prints one JSON line: peak resident MiB before and after backward, and a checksum of x.grad.
const script = `
import * as gs from ${JSON.stringify(indexUrl)};
gs.manualSeed(0);
const x = gs.randn([${ROWS}, ${COLS}]).requiresGrad_();
let h = x;
for (let i = 0; i < ${LAYERS}; i++) h = h.mul(1.01).tanh();
const loss = h.sum();
const before = process.resourceUsage().maxRSS / 1024;
loss.backward();
const after = process.resourceUsage().maxRSS / 1024;
console.log(JSON.stringify({ before, after, grad: x.grad.sum().item() }));
`;

test("backward through a 40-layer chain keeps its gradient temporaries to about one layer's", () => {
  const res = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
    encoding: "utf8",
    env: process.env,
  });
  assert.equal(res.status, 0, res.stderr);
  const { before, after, grad } = JSON.parse(res.stdout.trim().split("\n").pop()!) as Record<string, number>;
  assert.ok(Number.isFinite(grad) && grad !== 0, `x.grad sums to ${grad}`);
  // The forward pass holds 2 × 40 activations of 2 MiB (160 MiB). Keeping every temporary until the
  // end of backward (the old engine) grew the peak by ~3 MiB-sized temporaries a layer, ~300 MiB;
  // giving them back at once leaves a few layers' worth.
  const forwardMiB = (2 * LAYERS * ROWS * COLS * 4) / 2 ** 20;
  assert.ok(
    after - before < forwardMiB / 4,
    `backward grew the peak resident memory by ${(after - before).toFixed(0)} MiB (forward: ${forwardMiB} MiB)`,
  );
});
