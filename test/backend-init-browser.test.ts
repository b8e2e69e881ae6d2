// gs.init() in headless chromium, on its real path: the bundle in a Web Worker, with SwiftShader's WebGPU
// adapter present (a software one, so the default passes it over). A cross-origin-isolated page gets
// wasm; a page without isolation gets what wasm's init allows (cpu-js with the reason, while the wasm
// build needs shared memory); an explicit backend is honoured. The lab's ?backend= goes through the same
// call (test/wasm-browser.test.ts, test/lab-webgpu.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { bundleForBrowser } from "./helpers/browser-page.js";
import { repoRoot } from "./helpers/fixtures.js";
import { CHROMIUM, launchChromium } from "./helpers/lab-browser.js";

/** Runs gs.init with the options in the worker's name, then one matmul on the device it names. */
const WORKER_SOURCE = `
import * as gs from "gradstack";
(async () => {
  try {
    const adapter = await navigator.gpu?.requestAdapter();
    const result = await gs.init({ ...JSON.parse(self.name), wasm: { module: "/gradstack.wasm" } });
    const direct = result.backend === "wasm" ? "loaded" :
      await gs.wasm.init({ module: "/gradstack.wasm" }).then(() => "loaded", (e) => String(e));
    const x = gs.ones([4, 4]).to(result.device);
    const sum = await x.matmul(x).sum().itemAsync();
    self.postMessage({ isolated: self.crossOriginIsolated, adapter: !!adapter, result, active: gs.backend().name, direct, sum });
  } catch (e) {
    self.postMessage({ error: String((e && e.stack) || e) });
  }
})();
`;

interface Reply {
  isolated?: boolean;
  adapter?: boolean;
  result?: { device: string; backend: string; fallbacks: string[] };
  active?: string;
  direct?: string;
  sum?: number;
  error?: string;
}

/** Serves the page, the bundled worker and the module, with COOP/COEP when `isolated`. */
function serve(worker: string, isolated: boolean): Promise<Server> {
  const files: Record<string, [string, string | Buffer]> = {
    "/": ["text/html", `<!doctype html><meta charset="utf-8"><title>gs.init</title>`],
    "/worker.js": ["text/javascript", worker],
    "/gradstack.wasm": ["application/wasm", readFileSync(join(repoRoot, "wasm", "gradstack.wasm"))],
  };
  const isolation = {
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-embedder-policy": "require-corp",
  };
  const server = createServer((req, res) => {
    const file = files[req.url ?? ""];
    if (file === undefined) return void res.writeHead(404).end();
    res.writeHead(200, { "content-type": file[0], ...(isolated ? isolation : {}) }).end(file[1]);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

async function runWorker(page: Page, options: object): Promise<Reply> {
  return page.evaluate(`new Promise((resolve) => {
    const w = new Worker("/worker.js", { name: ${JSON.stringify(JSON.stringify(options))} });
    w.onmessage = (e) => { resolve(e.data); w.terminate(); };
    w.onerror = (e) => resolve({ error: "worker error: " + e.message });
  })`) as Promise<Reply>;
}

async function withPages(body: (isolated: Page, open: Page) => Promise<void>): Promise<void> {
  const { code } = await bundleForBrowser(WORKER_SOURCE);
  const servers = await Promise.all([serve(code, true), serve(code, false)]);
  let browser: Browser | undefined;
  try {
    browser = await launchChromium([], true);
    const pages: Page[] = [];
    for (const server of servers) {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      pages.push(page);
    }
    await body(pages[0], pages[1]);
  } finally {
    await browser?.close();
    for (const server of servers) await new Promise((resolve) => server.close(resolve));
  }
}

test(
  "gs.init() in chromium: wasm when isolated, the fallback otherwise, and an explicit backend",
  { timeout: 240_000 },
  async (t) => {
    if (!existsSync(CHROMIUM)) return t.skip(`${CHROMIUM} is missing (npm test installs it as root)`);
    const pass = process.env.GRADSTACK_BACKEND;
    if (pass !== undefined && pass !== "js")
      return t.skip("a browser does not read GRADSTACK_BACKEND: this runs once, in the cpu-js pass");
    await withPages(async (isolated, open) => {
      const byDefault = await runWorker(isolated, {});
      assert.equal(byDefault.error, undefined);
      assert.ok(byDefault.isolated, "the page is cross-origin isolated");
      assert.ok(byDefault.adapter, "chromium offers SwiftShader's WebGPU adapter");
      assert.deepEqual(
        byDefault.result,
        { device: "cpu", backend: "wasm", fallbacks: [] },
        "a software adapter is passed over",
      );
      assert.equal(byDefault.active, "wasm");
      assert.equal(byDefault.sum, 64);

      const gpu = await runWorker(isolated, { backend: "webgpu" });
      assert.equal(gpu.error, undefined);
      assert.deepEqual(gpu.result, { device: "webgpu", backend: "wasm", fallbacks: [] });
      assert.equal(gpu.sum, 64, "the matmul ran on the webgpu device");

      const js = await runWorker(isolated, { backend: "js" });
      assert.deepEqual(js.result, { device: "cpu", backend: "cpu-js", fallbacks: [] });

      const notIsolated = await runWorker(open, {});
      assert.equal(notIsolated.error, undefined);
      assert.equal(notIsolated.isolated, false);
      const r = notIsolated.result!;
      assert.equal(notIsolated.active, r.backend);
      if (r.backend === "cpu-js") {
        assert.notEqual(notIsolated.direct, "loaded", "cpu-js only when wasm's own init fails on this page");
        assert.equal(r.fallbacks.length, 1);
        assert.match(r.fallbacks[0], /^wasm did not start, using js: /);
      } else {
        assert.deepEqual(r, { device: "cpu", backend: "wasm", fallbacks: [] });
      }
      assert.equal(notIsolated.sum, 64);

      const wasmRequired = await runWorker(open, { backend: "wasm" });
      if (r.backend === "cpu-js")
        assert.match(wasmRequired.error ?? "", /gs\.init: the wasm backend cannot start/);
      else assert.equal(wasmRequired.result?.backend, "wasm");
    });
  },
);
