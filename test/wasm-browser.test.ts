// The wasm backend in a browser: the bundle, in a Web Worker of a cross-origin-isolated page of
// headless chromium (shared WebAssembly memory needs COOP/COEP), loads wasm/gradstack.wasm with
// `await gs.wasm.init({ module })` and trains the tiny GPT to the same losses as Node on wasm; with
// `threads` it runs on Web Workers (joined when init resolves), to the same bits as on one thread. The lab's worker picks wasm.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import * as gs from "../src/index.js";
import { bundleForBrowser } from "./helpers/browser-page.js";
import { CHROMIUM, launchChromium, openPage, status, withLab } from "./helpers/lab-browser.js";
import { repoRoot } from "./helpers/fixtures.js";
import { tinyTraining, type TinyTrainingResult } from "./helpers/tiny-training.js";
import { WASM_FILES } from "../src/backend/wasm/variants.js";

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

/**
 * Threads in a browser worker: `gs.wasm.init({ threads })` (the count is the worker's name), a batched
 * matmul large enough to split and the tiny GPT's training; the FNV-1a hash of the product's bits and
 * the losses must not depend on the thread count.
 */
const THREADS_WORKER_SOURCE = `
import * as gs from "gradstack";
import { tinyTraining } from "./build/test/helpers/tiny-training.js";
(async () => {
  try {
    const threads = Number(self.name);
    await gs.wasm.init({ module: "/gradstack.wasm", threads });
    // init resolves once the Web Workers joined: a synchronous loop right after it gets them
    const joined = gs.wasm.threadStats().workersStarted;
    // Workers that started sleep until a job wakes them, and a caller that finishes a job before they
    // wake runs all its tasks: products large enough for them to join, until they have (at most 20).
    const big = gs.randn([512, 512]);
    for (let i = 0; i < 20 && threads > 1 && gs.wasm.threadStats().workerTasks === 0; i++) big.matmul(big);
    gs.manualSeed(7);
    const product = gs.randn([3, 193, 257]).matmul(gs.randn([3, 257, 171])).toArray();
    let hash = 2166136261;
    for (const word of new Uint32Array(product.buffer, product.byteOffset, product.length))
      hash = Math.imul(hash ^ word, 16777619) >>> 0;
    const result = tinyTraining(gs, ${STEPS});
    self.postMessage({ stats: gs.wasm.threadStats(), joined, hash, result });
  } catch (e) {
    self.postMessage({ error: String((e && e.stack) || e) });
  }
})();
`;

/**
 * Threads asked for where the page's policy forbids the pool's Web Workers (made from Blob URLs):
 * gs.wasm.init must not wait for workers that failed, and runs on one thread to the same losses.
 */
const BLOCKED_WORKERS_SOURCE = `
import * as gs from "gradstack";
import { tinyTraining } from "./build/test/helpers/tiny-training.js";
(async () => {
  try {
    const t0 = performance.now();
    await gs.wasm.init({ module: "/gradstack.wasm", threads: 3 });
    const initMs = performance.now() - t0;
    self.postMessage({ initMs, stats: gs.wasm.threadStats(), result: tinyTraining(gs, ${STEPS}) });
  } catch (e) {
    self.postMessage({ error: String((e && e.stack) || e) });
  }
})();
`;

/**
 * A page without COOP/COEP (no SharedArrayBuffer): `gs.wasm.init` given every variant's URL picks a
 * single-thread one (relaxed SIMD in chromium), or runs the one it is given (the worker's name).
 */
const PLAIN_PAGE_WORKER_SOURCE = `
import * as gs from "gradstack";
import { tinyTraining } from "./build/test/helpers/tiny-training.js";
(async () => {
  try {
    const files = ${JSON.stringify(WASM_FILES)};
    const module = self.name === "all" ? Object.fromEntries(files.map((f) => [f, "/" + f])) : "/" + self.name;
    const info = await gs.wasm.init({ module });
    self.postMessage({ isolated: self.crossOriginIsolated, info, result: tinyTraining(gs, ${STEPS}) });
  } catch (e) {
    self.postMessage({ error: String((e && e.stack) || e) });
  }
})();
`;

interface Reply {
  isolated?: boolean;
  info?: { isa: string; threads: number; sharedMemory: boolean };
  stats?: { threads: number; workersStarted: number; workerTasks: number };
  /** How long gs.wasm.init took (ms). */
  initMs?: number;
  /** Workers in the pool when gs.wasm.init resolved. */
  joined?: number;
  hash?: number;
  result?: TinyTrainingResult;
  error?: string;
}

/**
 * Serves `source` bundled as /worker.js and the module, cross-origin isolated (shared WebAssembly
 * memory needs COOP/COEP), in headless chromium; `body` gets a function that runs the worker once
 * under a name and resolves with its first message.
 */
async function withIsolatedWorker(
  source: string,
  body: (runWorker: (name: string) => Promise<Reply>) => Promise<void>,
  isolated = true,
  headers: Record<string, string> = {},
): Promise<void> {
  const { code } = await bundleForBrowser(source);
  const files: Record<string, [string, string | Buffer]> = {
    "/": ["text/html", `<!doctype html><meta charset="utf-8"><title>gradstack wasm</title>`],
    "/worker.js": ["text/javascript", code],
  };
  for (const file of WASM_FILES)
    files[`/${file}`] = ["application/wasm", readFileSync(join(repoRoot, "wasm", file))];
  const isolation = isolated
    ? { "cross-origin-opener-policy": "same-origin", "cross-origin-embedder-policy": "require-corp" }
    : {};
  const server = createServer((req, res) => {
    const file = files[req.url ?? ""];
    if (file === undefined) return void res.writeHead(404).end();
    res.writeHead(200, { "content-type": file[0], ...isolation, ...headers }).end(file[1]);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${port}/`);
    await body(
      (name) =>
        page.evaluate(`new Promise((resolve) => {
          const w = new Worker("/worker.js", { name: ${JSON.stringify(name)} });
          w.onmessage = (e) => { resolve(e.data); w.terminate(); };
          w.onerror = (e) => resolve({ error: "worker error: " + e.message });
        })`) as Promise<Reply>,
    );
  } finally {
    await browser?.close();
    await new Promise((resolve) => server.close(resolve));
  }
}

test(
  "in a cross-origin-isolated page, gs.wasm.init() loads the module and trains to Node's wasm losses",
  { timeout: 240_000 },
  async (t) => {
    if (!existsSync(CHROMIUM)) return t.skip(`${CHROMIUM} is missing (npm test installs it as root)`);
    await withIsolatedWorker(WORKER_SOURCE, async (runWorker) => {
      const reply = await runWorker("tiny training");
      assert.equal(reply.error, undefined);
      assert.ok(reply.isolated, "the page is cross-origin isolated");
      assert.equal(reply.info?.isa, "simd128");
      assert.equal(reply.result?.backend, "wasm");
      try {
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
      }
    });
  },
);

test(
  "in a browser worker, gs.wasm.init({ threads }) runs on Web Workers that take tasks, bit for bit as on one thread",
  { timeout: 240_000 },
  async (t) => {
    if (!existsSync(CHROMIUM)) return t.skip(`${CHROMIUM} is missing (npm test installs it as root)`);
    await withIsolatedWorker(THREADS_WORKER_SOURCE, async (runWorker) => {
      const one = await runWorker("1");
      const three = await runWorker("3");
      assert.equal(one.error, undefined);
      assert.equal(three.error, undefined);
      assert.deepEqual(one.stats, { threads: 1, workersStarted: 0, workerTasks: 0 });
      assert.equal(three.stats?.threads, 3);
      assert.equal(three.joined, 2, "both Web Workers joined the pool before gs.wasm.init resolved");
      assert.equal(three.stats?.workersStarted, 2);
      assert.ok((three.stats?.workerTasks ?? 0) > 0, "the Web Workers ran tasks");
      assert.equal(three.hash, one.hash, "the matmul's bits do not depend on the thread count");
      assert.deepEqual(three.result?.losses, one.result?.losses);
      assert.equal(three.result?.reloadedLoss, one.result?.reloadedLoss);
    });
  },
);

test(
  "where the page's policy blocks the pool's Web Workers, gs.wasm.init({ threads }) goes on without them",
  { timeout: 240_000 },
  async (t) => {
    if (!existsSync(CHROMIUM)) return t.skip(`${CHROMIUM} is missing (npm test installs it as root)`);
    const policy = { "content-security-policy": "worker-src 'self'" }; // no blob: workers
    await withIsolatedWorker(
      BLOCKED_WORKERS_SOURCE,
      async (runWorker) => {
        const reply = await runWorker("blocked");
        assert.equal(reply.error, undefined);
        assert.deepEqual(reply.stats, { threads: 3, workersStarted: 0, workerTasks: 0 });
        // Its wait for workers gives up after 10 s; failed ones must end it at once.
        assert.ok(reply.initMs! < 5000, `gs.wasm.init took ${reply.initMs} ms`);
        try {
          gs.setBackend("wasm");
          assert.deepEqual(reply.result?.losses, tinyTraining(gs, STEPS).losses);
        } finally {
          gs.setBackend("js");
        }
      },
      true,
      policy,
    );
  },
);

test(
  "in a page that is not cross-origin isolated, gs.wasm.init() runs a single-thread module to the same losses",
  { timeout: 240_000 },
  async (t) => {
    if (!existsSync(CHROMIUM)) return t.skip(`${CHROMIUM} is missing (npm test installs it as root)`);
    await withIsolatedWorker(
      PLAIN_PAGE_WORKER_SOURCE,
      async (runWorker) => {
        const chosen = await runWorker("all");
        const single = await runWorker("gradstack-single.wasm");
        assert.equal(chosen.error, undefined);
        assert.equal(single.error, undefined);
        assert.equal(chosen.isolated, false, "the page is not cross-origin isolated");
        assert.deepEqual(
          [chosen.info?.isa, chosen.info?.sharedMemory, chosen.info?.threads],
          ["relaxed-simd", false, 1],
          "chromium runs relaxed SIMD; without shared memory, one thread",
        );
        assert.equal(chosen.result?.backend, "wasm");
        assert.equal(single.info?.sharedMemory, false);
        try {
          gs.setBackend("wasm");
          const node = tinyTraining(gs, STEPS);
          assert.deepEqual(single.result?.losses, node.losses, "SIMD128 on one thread: Node's bits");
          // Relaxed SIMD: fused multiply-adds round differently; the losses agree to float32 noise.
          for (const [i, loss] of node.losses.entries())
            assert.ok(Math.abs(chosen.result!.losses[i] - loss) <= 1e-4 * Math.abs(loss), `step ${i}`);
        } finally {
          gs.setBackend("js");
        }
      },
      false,
    );
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
