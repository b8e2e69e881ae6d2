// The lab on WebGPU: headless chromium with SwiftShader's adapter, pages opened with ?backend=webgpu. Every
// page that trains a gs.nn model trains it on the "webgpu" device (the status says so and shows steps/s,
// the loss falls, the page's pictures redraw from the device's weights); the embeddings page, better on
// the CPU, says that it trains on wasm and why.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import {
  assertResponsive,
  canvasImages,
  inkedPixelsEach,
  openPage,
  setField,
  status,
  trainAndPause,
  waitForRedraw,
  withLab,
  type LabSession,
} from "./helpers/lab-browser.js";

/**
 * SwiftShader runs each kernel on the CPU: a page's steps take longer than on wasm (a translation step, a
 * GRU decoder's kernels per word, seconds), hence the few steps and the higher learning rate below.
 */
const TRAIN_WAIT_MS = 240_000;
const PAGE_TIMEOUT_MS = 360_000;

/** Sets a field of the page's settings form (the model rebuilds, its step count back to 0). */
async function rebuildWith(page: Page, name: string, value: string): Promise<void> {
  await setField(page, name, value);
  await page.waitForFunction(`document.querySelector(".status").dataset.step === "0"`);
}

interface DevicePage {
  hash: string;
  /** Smaller settings than the page's defaults, where those would make the test slow on SwiftShader. */
  settings?: Record<string, string>;
  steps: number;
  /** The page's pictures of the model, which must redraw after training (canvases, or text). */
  canvases?: string;
  text?: string;
}

const PAGES: DevicePage[] = [
  { hash: "playground", steps: 150, canvases: "canvas.boundary" },
  {
    hash: "mnist",
    settings: { trainImages: "1000" },
    steps: 60,
    canvases: "canvas.confusion, canvas.digit-grid",
  },
  { hash: "ngram", steps: 80, canvases: "canvas.embedding" },
  { hash: "char-lm", steps: 60, text: ".samples" },
  {
    hash: "rnn",
    settings: { seqLen: "12", hidden: "24" },
    steps: 40,
    canvases: ".cell-maps canvas, .norms canvas",
  },
  {
    hash: "translation",
    settings: { pairs: "300", batchSize: "16", lr: "0.01" },
    steps: 12,
    canvases: ".alignment canvas",
  },
  { hash: "gpt", steps: 30, canvases: ".attention canvas" },
];

/** Opens `p` on WebGPU, trains it there and checks that its loss fell and its pictures redrew. */
async function trainsOnDevice(lab: LabSession, p: DevicePage): Promise<void> {
  const { page, errors } = await lab.newTab();
  await openPage(page, `${lab.url}?backend=webgpu#${p.hash}`);
  for (const [name, value] of Object.entries(p.settings ?? {})) await rebuildWith(page, name, value);
  assert.equal((await status(page)).backend, "webgpu", `the ${p.hash} page must train on webgpu`);
  const watched = p.canvases ?? p.text!;
  // The first progress message carries the untrained model's view.
  await page.waitForFunction(`/steps\\/s/.test(document.querySelector(".status").textContent)`);
  const before = p.canvases ? await canvasImages(page, watched) : await page.textContent(watched);
  await assertResponsive(page, `${p.hash} on webgpu`, () =>
    trainAndPause(page, p.steps, TRAIN_WAIT_MS, "webgpu"),
  );
  assert.match(
    (await page.textContent(".status")) ?? "",
    /backend webgpu · step \d+ · loss [\d.]+ · [\d.]+ steps\/s/,
  );
  if (p.canvases) {
    await waitForRedraw(page, watched, before as string[], TRAIN_WAIT_MS);
    for (const [i, n] of (await inkedPixelsEach(page, watched)).entries())
      assert.ok(n > 100, `${p.hash}: picture ${i} must have drawn (${n} coloured pixels)`);
  } else
    await page.waitForFunction(
      `document.querySelector(${JSON.stringify(watched)}).textContent !== ${JSON.stringify(before)}`,
      undefined,
      { timeout: TRAIN_WAIT_MS },
    );
  await lab.screenshot(`${p.hash}-webgpu`, page);
  assert.deepEqual(errors, [], `${p.hash}: no page errors`);
  await page.close();
}

test("the lab trains every page's model on WebGPU", async (t) => {
  if ((process.env.GRADSTACK_BACKEND ?? "js") !== "js")
    return t.skip(
      "the lab picks its own backend in the browser, whatever Node's: tested once, in the js pass",
    );
  await withLab(async (lab) => {
    // The embeddings page is better on the CPU: it says so rather than pretending. (First, in the
    // session's tab, before the GPU pages load the machine.)
    await t.test("embeddings stays on the CPU", async () => {
      await openPage(lab.page, `${lab.url}?backend=webgpu#embeddings`);
      assert.equal((await status(lab.page)).backend, "webgpu: this page trains on wasm");
      assert.match((await lab.page.textContent(".blurb")) ?? "", /trains on the CPU/);
      assert.deepEqual(lab.errors, [], "no page errors");
      await lab.page.goto("about:blank"); // its worker stops
    });
    for (const p of PAGES) await t.test(p.hash, { timeout: PAGE_TIMEOUT_MS }, () => trainsOnDevice(lab, p));
  }, true);
});
