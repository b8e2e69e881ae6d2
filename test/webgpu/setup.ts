/**
 * Shared by the webgpu tests: finds SwiftShader's Vulkan driver when no GPU setting is given (as
 * scripts/test.mjs does), registers the "webgpu" device once, and compares device results with the
 * CPU's under float32 tolerances.
 */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as gs from "../../src/index.js";

const SWIFTSHADER_ICD = "/usr/lib/chromium/vk_swiftshader_icd.json";

/** Registers the webgpu device (SwiftShader on machines without a GPU). */
export async function initWebGpu(): Promise<void> {
  process.env.VK_ICD_FILENAMES ??= SWIFTSHADER_ICD;
  process.env.XDG_RUNTIME_DIR ??= mkdtempSync(join(tmpdir(), "gradstack-xdg-"));
  await gs.webgpu.init();
}

export const GPU = "webgpu";

/** A copy of a CPU tensor on the webgpu device (a leaf when `requiresGrad`). */
export function onGpu(t: gs.Tensor, requiresGrad = false): gs.Tensor {
  const g = gs.noGrad(() => t.to(GPU));
  g.requiresGrad = requiresGrad;
  return g;
}

/**
 * |got − want| ≤ tol · max(1, max|want|) element-wise, with equal shapes; NaN matches NaN and infinities
 * must be equal.
 */
export async function assertCloseAsync(
  got: gs.Tensor,
  want: gs.Tensor | ArrayLike<number>,
  tol: number,
  what: string,
): Promise<void> {
  const g = Array.from(await got.data(), Number);
  let w: number[];
  if (want instanceof gs.Tensor) {
    assert.deepEqual([...got.shape], [...want.shape], `${what}: shape`);
    w = Array.from(await want.data(), Number);
  } else w = Array.from(want, Number);
  assert.equal(g.length, w.length, `${what}: length`);
  const scale = Math.max(1, ...w.filter(Number.isFinite).map(Math.abs));
  for (let i = 0; i < g.length; i++) {
    if (Number.isNaN(w[i])) {
      assert.ok(Number.isNaN(g[i]), `${what}[${i}]: got ${g[i]}, want NaN`);
      continue;
    }
    if (!Number.isFinite(w[i])) {
      assert.equal(g[i], w[i], `${what}[${i}]`);
      continue;
    }
    assert.ok(
      Math.abs(g[i] - w[i]) <= tol * scale,
      `${what}[${i}]: got ${g[i]}, want ${w[i]} (tolerance ${tol * scale})`,
    );
  }
}
