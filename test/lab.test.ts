// The lab (lab/): built by Vite, served by `gradstack lab`'s server with the isolation headers, and driven
// in headless Debian chromium: on the MLP page the loss falls and the decision boundary changes, on the
// character-model page the loss falls and the samples change, on the GPT page the loss falls and the
// attention maps change. Screenshots go to a temporary folder (kept with GRADSTACK_LAB_SCREENSHOTS=1).
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { chromium, type Browser, type Page } from "playwright-core";
import { buildLab, serveStatic } from "../src/cli/commands/lab.js";

const CHROMIUM = "/usr/bin/chromium";
/** The whole test's bound, and the longest wait for any one thing on the page (it takes 10-30 s here). */
const TEST_TIMEOUT_MS = 60_000;
const WAIT_MS = 20_000;
/** Steps each page trains before its checks: enough for the default models' loss to fall clearly. */
const PLAYGROUND_STEPS = 150;
const CHAR_LM_STEPS = 60;
const GPT_STEPS = 30;

/** The status line's numbers, which the page keeps as data attributes for tests. */
interface Status {
  backend?: string;
  step?: string;
  firstLoss?: string;
  recentLoss?: string;
  running?: string;
  error?: string;
}

const status = async (page: Page): Promise<Status> =>
  (await page.evaluate(`({ ...document.querySelector(".status").dataset })`)) as Status;

/** Waits until the page's worker reports `step >= steps` (or an error). */
async function waitForStep(page: Page, steps: number): Promise<void> {
  await page.waitForFunction(
    `(() => { const d = document.querySelector(".status")?.dataset;
      return d && (d.error !== undefined || Number(d.step) >= ${steps}); })()`,
    undefined,
    { timeout: WAIT_MS },
  );
}

/** Opens a page of the lab and waits for its worker to build the model. */
async function openPage(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForFunction(`document.querySelector(".status")?.dataset.backend !== undefined`, undefined, {
    timeout: WAIT_MS,
  });
}

/** Trains until `steps`, pauses, and checks the loss fell; returns the status. */
async function trainAndPause(page: Page, steps: number): Promise<Status> {
  await page.click("button.start");
  await waitForStep(page, steps);
  await page.click("button.start"); // now "Pause"
  await page.waitForFunction(`document.querySelector(".status").dataset.running === "false"`);
  const s = await status(page);
  assert.equal(s.error, undefined, `the worker failed: ${s.error}`);
  assert.equal(s.backend, "cpu-js", "the lab trains on cpu-js in the browser today");
  const first = Number(s.firstLoss);
  const recent = Number(s.recentLoss);
  assert.ok(recent < first * 0.85, `the loss must fall: ${first} at step 1, ${recent} near step ${s.step}`);
  return s;
}

/** Counts the pixels of the loss chart's canvas that are drawn (not transparent). */
const chartPixels = (page: Page) =>
  page.evaluate(`(() => {
    const c = document.querySelector(".chart canvas");
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
    return n;
  })()`) as Promise<number>;

test(
  "the lab trains an MLP, a character model and a GPT in the browser",
  { timeout: TEST_TIMEOUT_MS },
  async (t) => {
    if (process.env.GRADSTACK_BACKEND === "native")
      return t.skip("the lab runs on cpu-js in the browser whatever Node's backend: tested in the js pass");
    assert.ok(
      existsSync(CHROMIUM),
      `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)`,
    );
    const dir = mkdtempSync(join(tmpdir(), "gradstack-lab-"));
    const shots = join(dir, "screenshots");
    let server: Server | undefined;
    let browser: Browser | undefined;
    try {
      await buildLab(join(dir, "site"));
      server = await serveStatic(join(dir, "site"), "127.0.0.1", 0);
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      const response = await fetch(url);
      assert.equal(response.headers.get("cross-origin-opener-policy"), "same-origin");
      assert.equal(response.headers.get("cross-origin-embedder-policy"), "require-corp");

      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        timeout: WAIT_MS,
      });
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      page.setDefaultTimeout(WAIT_MS);
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));

      // (a) The MLP on 2-D data: step once, reset, then train.
      await openPage(page, `${url}#playground`);
      assert.equal(
        await page.evaluate(`self.crossOriginIsolated`),
        true,
        "the page must be cross-origin isolated",
      );
      await page.waitForFunction(`document.querySelector(".accuracy").textContent !== ""`);
      const boundaryBefore = await page.evaluate(`document.querySelector("canvas.boundary").toDataURL()`);
      await page.click("button.step");
      await waitForStep(page, 1);
      await page.click("button.reset");
      await page.waitForFunction(`document.querySelector(".status").dataset.step === "0"`);
      assert.match(
        (await page.textContent("pre.code")) ?? "",
        /new gs\.nn\.Linear\(2, 16\), new gs\.nn\.Tanh\(\)/,
      );
      await trainAndPause(page, PLAYGROUND_STEPS);
      const boundaryAfter = await page.evaluate(`document.querySelector("canvas.boundary").toDataURL()`);
      assert.notEqual(boundaryAfter, boundaryBefore, "the decision boundary must change while training");
      assert.ok((await chartPixels(page)) > 500, "the loss chart must have drawn");
      await page.screenshot({ path: join(shots, "playground.png") });

      // Changing a hyper-parameter rebuilds the model and the code shown.
      await page.selectOption("select[name=activation]", "relu");
      await page.waitForFunction(`document.querySelector(".status").dataset.step === "0"`);
      assert.match((await page.textContent("pre.code")) ?? "", /new gs\.nn\.ReLU\(\)/);

      // (b) The character-level language model on names.
      await openPage(page, `${url}#char-lm`);
      await page.waitForFunction(`document.querySelector(".samples").textContent !== ""`);
      const samplesBefore = await page.textContent(".samples");
      assert.match((await page.textContent("pre.code")) ?? "", /new gs\.models\.MLPLanguageModel/);
      await trainAndPause(page, CHAR_LM_STEPS);
      await page.waitForFunction(
        `document.querySelector(".samples").textContent !== ${JSON.stringify(samplesBefore)}`,
        undefined,
        { timeout: WAIT_MS / 2 },
      );
      assert.ok((await chartPixels(page)) > 500, "the loss chart must have drawn");
      await page.screenshot({ path: join(shots, "char-lm.png") });

      // (c) The tiny GPT and its attention maps (2 layers × 2 heads by default).
      await openPage(page, `${url}#gpt`);
      await page.waitForFunction(`document.querySelectorAll(".attention canvas").length === 4`);
      const mapsBefore = await page.evaluate(
        `[...document.querySelectorAll(".attention canvas")].map((c) => c.toDataURL())`,
      );
      await trainAndPause(page, GPT_STEPS);
      await page.waitForFunction(
        `JSON.stringify([...document.querySelectorAll(".attention canvas")].map((c) => c.toDataURL())) !== ${JSON.stringify(JSON.stringify(mapsBefore))}`,
        undefined,
        { timeout: WAIT_MS / 2 },
      );
      assert.ok((await chartPixels(page)) > 500, "the loss chart must have drawn");
      await page.screenshot({ path: join(shots, "gpt.png") });
      assert.deepEqual(errors, [], "no page errors");
    } finally {
      await browser?.close();
      await new Promise((done) => (server ? server.close(done) : done(undefined)));
      if (process.env.GRADSTACK_LAB_SCREENSHOTS === undefined) rmSync(dir, { recursive: true, force: true });
      else console.log(`# lab screenshots: ${shots}`);
    }
  },
);
