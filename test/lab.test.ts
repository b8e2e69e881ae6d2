// The lab (lab/): built by Vite, served by `gradstack lab`'s server with the isolation headers, and driven
// in headless Debian chromium: on the MLP page the loss falls and the decision boundary changes, on the
// character-model page the loss falls and the samples change, on the GPT page the loss falls and the
// attention maps change; while each trains, the UI thread never blocks for over 100 ms. Screenshots go to a temporary folder (to docs/lab with GRADSTACK_LAB_SCREENSHOTS=1).
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  assertResponsive,
  canvasImages,
  chartPixels,
  inkedPixelsEach,
  openPage,
  setField,
  status,
  trainAndPause,
  WAIT_MS,
  waitForRedraw,
  waitForStep,
  withLab,
} from "./helpers/lab-browser.js";

/** The whole test's bound (it takes 10-30 s here). */
const TEST_TIMEOUT_MS = 60_000;
/** Steps each page trains before its checks: enough for the default models' loss to fall clearly. */
const PLAYGROUND_STEPS = 150;
const CHAR_LM_STEPS = 60;
const GPT_STEPS = 30;

test(
  "the lab trains an MLP, a character model and a GPT in the browser",
  { timeout: TEST_TIMEOUT_MS },
  async (t) => {
    if ((process.env.GRADSTACK_BACKEND ?? "js") !== "js")
      return t.skip(
        "the lab picks its own backend in the browser, whatever Node's: tested once, in the js pass",
      );
    await withLab(async ({ url, page, errors, screenshot }) => {
      const response = await fetch(url);
      assert.equal(response.headers.get("cross-origin-opener-policy"), "same-origin");
      assert.equal(response.headers.get("cross-origin-embedder-policy"), "require-corp");

      // (a) The MLP on 2-D data: step once, reset, then train.
      await openPage(page, `${url}#playground`);
      assert.equal(
        await page.evaluate(`self.crossOriginIsolated`),
        true,
        "the page must be cross-origin isolated",
      );
      await page.waitForFunction(`document.querySelector(".accuracy").textContent !== ""`);
      const boundaryBefore = await canvasImages(page, "canvas.boundary");
      const neuronsBefore = await canvasImages(page, ".neurons canvas");
      assert.equal(neuronsBefore.length, 2 * 16, "a map per hidden neuron: 2 layers of 16");
      await page.click("button.step");
      await waitForStep(page, 1);
      await page.click("button.reset");
      await page.waitForFunction(`document.querySelector(".status").dataset.step === "0"`);
      assert.match(
        (await page.textContent("pre.code")) ?? "",
        /new gs\.nn\.Linear\(2, 16\), new gs\.nn\.Tanh\(\)/,
      );
      await assertResponsive(page, "playground", () => trainAndPause(page, PLAYGROUND_STEPS));
      const boundaryAfter = await canvasImages(page, "canvas.boundary");
      assert.notDeepEqual(boundaryAfter, boundaryBefore, "the decision boundary must change while training");
      assert.notDeepEqual(
        await canvasImages(page, ".neurons canvas"),
        neuronsBefore,
        "the neurons' maps must change while training",
      );
      for (const [i, n] of (await inkedPixelsEach(page, ".neurons canvas")).entries())
        assert.ok(n > 100, `neuron ${i}'s map must have drawn (${n} coloured pixels)`);
      assert.ok((await chartPixels(page)) > 500, "the loss chart must have drawn");
      await screenshot("playground");

      // Changing a hyper-parameter rebuilds the model and the code shown.
      await page.selectOption("select[name=activation]", "relu");
      await page.waitForFunction(`document.querySelector(".status").dataset.step === "0"`);
      assert.match((await page.textContent("pre.code")) ?? "", /new gs\.nn\.ReLU\(\)/);

      // (b) The character-level language model on names.
      await openPage(page, `${url}#char-lm`);
      await page.waitForFunction(`document.querySelector(".samples").textContent !== ""`);
      const samplesBefore = await page.textContent(".samples");
      assert.match((await page.textContent("pre.code")) ?? "", /new gs\.models\.MLPLanguageModel/);
      await assertResponsive(page, "char-lm", () => trainAndPause(page, CHAR_LM_STEPS));
      await page.waitForFunction(
        `document.querySelector(".samples").textContent !== ${JSON.stringify(samplesBefore)}`,
        undefined,
        { timeout: WAIT_MS / 2 },
      );
      assert.ok((await chartPixels(page)) > 500, "the loss chart must have drawn");
      await screenshot("char-lm");

      // (c) The tiny GPT and its attention maps (2 layers × 2 heads by default).
      await openPage(page, `${url}#gpt`);
      await page.waitForFunction(`document.querySelectorAll(".attention canvas").length === 4`);
      const mapsBefore = await canvasImages(page, ".attention canvas");
      await assertResponsive(page, "gpt", () => trainAndPause(page, GPT_STEPS));
      await waitForRedraw(page, ".attention canvas", mapsBefore, WAIT_MS / 2);
      assert.ok((await chartPixels(page)) > 500, "the loss chart must have drawn");
      await screenshot("gpt");

      // Temperature and top-k change the samples, not the training: the step count stays.
      const trained = await status(page);
      const sampleBefore = await page.textContent(".samples");
      await setField(page, "temperature", "0");
      await page.waitForFunction(
        `document.querySelector(".samples").textContent !== ${JSON.stringify(sampleBefore)}`,
      );
      await setField(page, "topK", "3");
      assert.match((await page.textContent("pre.code")) ?? "", /\{ temperature: 0, topK: 3 \}/);
      assert.equal((await status(page)).step, trained.step, "sampling settings must not reset the model");
      assert.deepEqual(errors, [], "no page errors");
    });
  },
);
