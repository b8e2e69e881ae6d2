// The browser entry: `gradstack` bundled by esbuild for the browser holds no Node import, loads in a Web
// Worker of headless Debian chromium, and trains a tiny GPT there to the same losses as Node on cpu-js.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { chromium, type Browser } from "playwright-core";
import * as gs from "../src/index.js";
import { bundleForBrowser, serveOnLoopback } from "./helpers/browser-page.js";
import { tinyTraining, type TinyTrainingResult } from "./helpers/tiny-training.js";

const CHROMIUM = "/usr/bin/chromium";
const STEPS = 6;
const BROWSER_TIMEOUT_MS = 120_000;

// The worker imports the package by name, as an application would, so the "browser" condition of
// package.json's exports (and its "browser" file map) decide what gets bundled.
const WORKER_SOURCE = `
import * as gs from "gradstack";
import { tinyTraining } from "./build/test/helpers/tiny-training.js";
const inWorker = typeof WorkerGlobalScope !== "undefined" && self instanceof WorkerGlobalScope;
let saveError = null;
try {
  gs.text.CharTokenizer.fromText("ab").save("tokenizer.json");
} catch (e) {
  saveError = e.message;
}
try {
  self.postMessage({ inWorker, saveError, result: tinyTraining(gs, ${STEPS}) });
} catch (e) {
  self.postMessage({ inWorker, error: String(e && e.stack || e) });
}
`;

const PAGE = `<!doctype html><meta charset="utf-8"><title>gradstack browser bundle test</title>`;

/** What the worker posts: where it ran, the tokenizer's save() error, the training result or an error. */
interface WorkerReply {
  inWorker: boolean;
  saveError?: string | null;
  result?: TinyTrainingResult;
  error?: string;
}

/** Opens the page, starts the worker and returns what it posts back (or throws what went wrong). */
async function runInWorker(
  browser: Browser,
  url: string,
): Promise<WorkerReply & { result: TinyTrainingResult }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(url);
  // Runs in the page (a string: the test is compiled without the DOM's types).
  const reply = (await page.evaluate(`new Promise((resolve) => {
    const w = new Worker("/worker.js");
    const timer = setTimeout(() => resolve({ inWorker: false, error: "no reply within ${BROWSER_TIMEOUT_MS} ms" }), ${BROWSER_TIMEOUT_MS});
    w.onmessage = (e) => { clearTimeout(timer); resolve(e.data); };
    w.onerror = (e) => { clearTimeout(timer); resolve({ inWorker: false, error: "worker error: " + e.message }); };
  })`)) as WorkerReply;
  if (reply.error !== undefined || reply.result === undefined)
    throw new Error(
      `the worker failed: ${reply.error}${errors.length ? `; page errors: ${errors.join("; ")}` : ""}`,
    );
  return { ...reply, result: reply.result };
}

test(
  "the browser bundle trains a tiny GPT in a Web Worker to Node's cpu-js losses",
  { timeout: 240_000 },
  async () => {
    assert.ok(
      existsSync(CHROMIUM),
      `${CHROMIUM} is missing: install Debian's chromium (as root: apt-get update && apt-get install -y chromium); ` +
        "npm test installs it itself when run as root",
    );
    const { code, inputs } = await bundleForBrowser(WORKER_SOURCE);
    assert.ok(
      inputs.includes("dist/browser.js"),
      `the browser entry was not bundled; inputs: ${inputs.join(", ")}`,
    );
    assert.ok(
      inputs.includes("dist/backend/native.browser.js"),
      "the addon loader was not replaced for browsers",
    );
    const nodeInputs = inputs.filter((f) => f.startsWith("node:") || f === "dist/index.js");
    assert.deepEqual(nodeInputs, [], "the browser bundle must not import Node modules or the Node entry");
    assert.doesNotMatch(code, /["']node:[a-z_]+["']/, "a node: import remains in the bundle");

    const server = await serveOnLoopback(PAGE, { "/worker.js": code });
    const { port } = server.address() as AddressInfo;
    let browser: Browser | undefined;
    try {
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        timeout: 60_000,
      });
      const { inWorker, saveError, result } = await runInWorker(browser, `http://127.0.0.1:${port}/`);
      assert.ok(inWorker, "the bundle must run inside a Web Worker");
      assert.match(
        String(saveError),
        /CharTokenizer\.save: cannot use the file tokenizer\.json outside Node/,
      );
      assert.equal(result.backend, "cpu-js");
      assert.equal(result.losses.length, STEPS);
      assert.ok(
        result.losses[STEPS - 1] < result.losses[0] - 0.5,
        `the loss must decrease: ${result.losses.map((l) => l.toFixed(4)).join(" -> ")}`,
      );
      assert.ok(
        result.reloadedLoss < result.losses[STEPS - 1],
        "the trained weights went through safetensors bytes",
      );

      gs.setBackend("js");
      const node = tinyTraining(gs, STEPS);
      assert.deepEqual(
        result.losses,
        node.losses,
        "the browser and Node (cpu-js, same seed) must give the same losses",
      );
      assert.equal(result.reloadedLoss, node.reloadedLoss);
    } finally {
      await browser?.close();
      await new Promise((resolve) => server.close(resolve));
    }
  },
);
