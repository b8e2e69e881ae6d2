// The lab on WebGPU: headless chromium with SwiftShader's adapter, pages opened with ?backend=webgpu. The
// playground's MLP and the GPT train on the "webgpu" device (the status says so, the loss falls, the view
// redraws from the device's weights); a page whose task is not device-ready says that it trains on wasm.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  assertResponsive,
  canvasImages,
  openPage,
  status,
  trainAndPause,
  waitForRedraw,
  withLab,
} from "./helpers/lab-browser.js";

/** SwiftShader runs each kernel on the CPU: the GPT's steps take longer than on wasm. */
const TRAIN_WAIT_MS = 90_000;
const TEST_TIMEOUT_MS = 240_000;
const PLAYGROUND_STEPS = 150;
const GPT_STEPS = 30;

test("the lab trains the MLP and the GPT on WebGPU", { timeout: TEST_TIMEOUT_MS }, async (t) => {
  if (process.env.GRADSTACK_BACKEND === "native")
    return t.skip("the lab runs in the browser whatever Node's backend: tested in the js pass");
  await withLab(async ({ url, page, errors, screenshot }) => {
    await openPage(page, `${url}?backend=webgpu#playground`);
    assert.equal((await status(page)).backend, "webgpu", "the playground's MLP must train on webgpu");
    const boundaryBefore = await canvasImages(page, "canvas.boundary");
    await assertResponsive(page, "playground on webgpu", () =>
      trainAndPause(page, PLAYGROUND_STEPS, TRAIN_WAIT_MS, "webgpu"),
    );
    await waitForRedraw(page, "canvas.boundary", boundaryBefore);
    await screenshot("playground-webgpu");

    await openPage(page, `${url}?backend=webgpu#gpt`);
    await page.waitForFunction(`document.querySelectorAll(".attention canvas").length === 4`);
    const mapsBefore = await canvasImages(page, ".attention canvas");
    await trainAndPause(page, GPT_STEPS, TRAIN_WAIT_MS, "webgpu");
    await waitForRedraw(page, ".attention canvas", mapsBefore, TRAIN_WAIT_MS);
    await screenshot("gpt-webgpu");

    // A page whose task is not device-ready says so rather than pretending.
    await openPage(page, `${url}?backend=webgpu#char-lm`);
    assert.equal((await status(page)).backend, "webgpu: this page trains on wasm");
    assert.deepEqual(errors, [], "no page errors");
  }, true);
});
