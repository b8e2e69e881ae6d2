// The webgpu backend on navigator.gpu: the browser bundle, in headless Debian chromium with WebGPU on
// (its SwiftShader adapter), trains the tiny GPT of gpt-losses.ts on "webgpu" to the losses of cpu-js in
// the same page (1e-4 relative), without Dawn in the bundle.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { chromium, type Browser } from "playwright-core";
import { bundleForBrowser, serveOnLoopback } from "../helpers/browser-page.js";

const CHROMIUM = "/usr/bin/chromium";
const STEPS = 3;

const PAGE_SOURCE = `
import * as gs from "gradstack";
import { gptLosses } from "./build/test/webgpu/gpt-losses.js";
window.result = (async () => {
  try {
    const info = await gs.webgpu.init();
    const gpu = await gptLosses(gs, "webgpu", ${STEPS});
    const cpu = await gptLosses(gs, "cpu", ${STEPS});
    return { info, gpu, cpu, viaNavigator: navigator.gpu !== undefined };
  } catch (e) {
    return { error: String((e && e.stack) || e) };
  }
})();
`;

const PAGE = `<!doctype html><meta charset="utf-8"><title>gradstack webgpu</title><script src="/main.js"></script>`;

interface PageResult {
  error?: string;
  info?: { vendor: string; architecture: string };
  gpu?: number[];
  cpu?: number[];
  viaNavigator?: boolean;
}

test(
  "webgpu on navigator.gpu: headless chromium trains a tiny GPT to cpu-js's losses",
  { timeout: 240_000 },
  async (t) => {
    const { code, inputs } = await bundleForBrowser(PAGE_SOURCE);
    assert.ok(
      inputs.includes("dist/backend/webgpu/node-gpu.browser.js"),
      "Dawn's loader was not swapped out",
    );
    assert.ok(!inputs.some((f) => f.includes("node_modules/webgpu")), "Dawn must not be bundled");
    const server = await serveOnLoopback(PAGE, { "/main.js": code });
    const { port } = server.address() as AddressInfo;
    let browser: Browser | undefined;
    try {
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          "--no-sandbox",
          "--disable-dev-shm-usage",
          "--enable-unsafe-webgpu",
          "--use-webgpu-adapter=swiftshader",
        ],
      });
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${port}/`);
      const r = (await page.evaluate("window.result")) as PageResult;
      assert.equal(r.error, undefined, `the page failed: ${r.error}`);
      assert.ok(r.viaNavigator, "navigator.gpu is there");
      t.diagnostic(`adapter: ${JSON.stringify(r.info)}; losses ${r.gpu!.join(", ")}`);
      assert.equal(r.gpu!.length, STEPS);
      for (let i = 0; i < STEPS; i++)
        assert.ok(
          Math.abs(r.gpu![i] - r.cpu![i]) <= 1e-4 * Math.max(1, Math.abs(r.cpu![i])),
          `step ${i}: webgpu ${r.gpu![i]} vs cpu ${r.cpu![i]} (adapter ${JSON.stringify(r.info)})`,
        );
      assert.ok(r.gpu![STEPS - 1] < r.gpu![0], "the loss goes down");
    } finally {
      await browser?.close();
      server.close();
    }
  },
);
