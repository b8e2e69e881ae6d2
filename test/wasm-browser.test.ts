// The wasm backend in a browser: the bundle, in a Web Worker of a cross-origin-isolated page of
// headless chromium (shared WebAssembly memory needs COOP/COEP), loads wasm/gradstack.wasm with
// `await gs.wasm.init({ module })` and trains the tiny GPT to the same losses as Node on wasm.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";
import * as gs from "../src/index.js";
import { bundleForBrowser } from "./helpers/browser-page.js";
import { openPage, status, withLab } from "./helpers/lab-browser.js";
import { repoRoot } from "./helpers/fixtures.js";
import { tinyTraining, type TinyTrainingResult } from "./helpers/tiny-training.js";

const CHROMIUM = "/usr/bin/chromium";
const STEPS = 4;

const WORKER_SOURCE = `
import * as gs from "gradstack";
import { tinyTraining } from "./build/test/helpers/tiny-training.js";
(async () => {
  try {
    const info = await gs.wasm.init({ module: "/gradstack.wasm" });
    self.postMessage({ isolated: self.crossOriginIsolated, info, result: tinyTraining(gs, ${STEPS}) });
  } catch (e) {
    self.postMessage({ error: String((e && e.stack) || e) });
  }
})();
`;

interface Reply {
  isolated?: boolean;
  info?: { isa: string; threads: number };
  result?: TinyTrainingResult;
  error?: string;
}

test(
  "in a cross-origin-isolated page, gs.wasm.init() loads the module and trains to Node's wasm losses",
  { timeout: 240_000 },
  async (t) => {
    if (!existsSync(CHROMIUM)) return t.skip(`${CHROMIUM} is missing (npm test installs it as root)`);
    const { code } = await bundleForBrowser(WORKER_SOURCE);
    const files: Record<string, [string, string | Buffer]> = {
      "/": ["text/html", `<!doctype html><meta charset="utf-8"><title>gradstack wasm</title>`],
      "/worker.js": ["text/javascript", code],
      "/gradstack.wasm": ["application/wasm", readFileSync(join(repoRoot, "wasm", "gradstack.wasm"))],
    };
    const server = createServer((req, res) => {
      const file = files[req.url ?? ""];
      if (file === undefined) return void res.writeHead(404).end();
      res
        .writeHead(200, {
          "content-type": file[0],
          "cross-origin-opener-policy": "same-origin",
          "cross-origin-embedder-policy": "require-corp",
        })
        .end(file[1]);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    let browser: Browser | undefined;
    try {
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        timeout: 60_000,
      });
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${port}/`);
      const reply = (await page.evaluate(`new Promise((resolve) => {
      const w = new Worker("/worker.js");
      w.onmessage = (e) => resolve(e.data);
      w.onerror = (e) => resolve({ error: "worker error: " + e.message });
    })`)) as Reply;
      assert.equal(reply.error, undefined);
      assert.ok(reply.isolated, "the page is cross-origin isolated");
      assert.equal(reply.info?.isa, "simd128");
      assert.equal(reply.result?.backend, "wasm");
      gs.setBackend("wasm");
      const node = tinyTraining(gs, STEPS);
      assert.deepEqual(
        reply.result.losses,
        node.losses,
        "the browser and Node on wasm must give the same losses",
      );
      assert.equal(reply.result.reloadedLoss, node.reloadedLoss);
    } finally {
      gs.setBackend("js");
      await browser?.close();
      await new Promise((resolve) => server.close(resolve));
    }
  },
);

test(
  "the lab's worker trains on wasm in its cross-origin-isolated page, and on cpu-js with ?backend=js",
  { timeout: 240_000 },
  async (t) => {
    if (!existsSync(CHROMIUM)) return t.skip(`${CHROMIUM} is missing (npm test installs it as root)`);
    await withLab(async ({ url, page }) => {
      const backendOf = async (query: string) => {
        await openPage(page, `${url}${query}#playground`);
        return (await status(page)).backend;
      };
      assert.equal(await backendOf(""), "wasm");
      assert.equal(await backendOf("?backend=js"), "cpu-js");
      assert.equal(await backendOf("?backend=wasm"), "wasm");
      assert.ok(await page.evaluate("self.crossOriginIsolated"), "the lab's server isolates the page");
    });
  },
);
