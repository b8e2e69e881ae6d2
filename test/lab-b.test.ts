// The lab's pages on recurrent networks, embeddings, translation and GPT checkpoints (lab/), in headless
// Debian chromium (test/helpers/lab-browser.ts): each page trains, its loss falls and its pictures draw
// (canvases with pixels that are not background), and the UI thread never blocks for over 100 ms while it trains. With GRADSTACK_LAB_SCREENSHOTS=1 the screenshots go to
// docs/lab/<page>.png.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { trainGPT } from "../src/train/gpt-train.js";
import * as gs from "../src/index.js";
import {
  assertResponsive,
  canvasImages,
  inkedPixels,
  inkedPixelsEach,
  openPage,
  status,
  trainAndPause,
  waitForRedraw,
  withLab,
  type LabSession,
  type LabTab,
} from "./helpers/lab-browser.js";

/** A page's bound, and the wait for a run of training steps (seconds here, minutes on a loaded machine). */
const PAGE_TIMEOUT_MS = 150_000;
const TRAIN_WAIT_MS = 90_000;

/** A fresh tab on the lab's page `hash`, once its worker has built the model. */
async function openFresh(lab: LabSession, hash: string): Promise<LabTab> {
  const tab = await lab.newTab();
  await openPage(tab.page, `${lab.url}#${hash}`);
  return tab;
}

/** The RNN page trains an LSTM and draws its gates, hidden state and gradients through time. */
async function rnnPage(lab: LabSession): Promise<void> {
  const { page, errors } = await openFresh(lab, "rnn");
  // The LSTM's four gates and its hidden state, before any training.
  await page.waitForFunction(`document.querySelectorAll(".cell-maps canvas").length === 5`);
  await page.waitForFunction(`document.querySelector(".samples").textContent !== ""`);
  const mapsBefore = await canvasImages(page, ".cell-maps canvas");
  const sampleBefore = await page.textContent(".samples");
  assert.match((await page.textContent("pre.code")) ?? "", /cell: "lstm"/);
  await assertResponsive(page, "rnn", () => trainAndPause(page, 40, TRAIN_WAIT_MS));
  await waitForRedraw(page, ".cell-maps canvas", mapsBefore);
  for (const [i, n] of (await inkedPixelsEach(page, ".cell-maps canvas")).entries())
    assert.ok(n > 200, `heat map ${i} must have drawn (${n} coloured pixels)`);
  assert.ok((await inkedPixels(page, ".norms canvas")) > 100, "the gradient-norm chart must have drawn");
  assert.ok((await inkedPixels(page, ".chart canvas")) > 500, "the loss chart must have drawn");
  assert.notEqual(await page.textContent(".samples"), sampleBefore, "the samples must change");
  await lab.screenshot("rnn", page);

  // A GRU has three gates: the maps follow the cell.
  await page.selectOption("select[name=cell]", "gru");
  await page.waitForFunction(`document.querySelectorAll(".cell-maps canvas").length === 4`);
  assert.match((await page.textContent("pre.code")) ?? "", /cell: "gru"/);
  assert.deepEqual(errors, [], "no page errors");
  await page.close();
}

/** The embeddings page trains word vectors and LDA topics, and answers neighbours, analogies and searches. */
async function embeddingsPage(lab: LabSession): Promise<void> {
  const { page, errors } = await openFresh(lab, "embeddings");
  await page.waitForFunction(`document.querySelectorAll(".topics li").length === 6`);
  const mapBefore = await canvasImages(page, "canvas.word-map");
  const topicsBefore = await page.textContent(".topics");
  await assertResponsive(page, "embeddings", () => trainAndPause(page, 150, TRAIN_WAIT_MS));
  await waitForRedraw(page, "canvas.word-map", mapBefore);
  assert.ok((await inkedPixels(page, "canvas.word-map")) > 300, "the word map must have drawn");
  assert.notEqual(await page.textContent(".topics"), topicsBefore, "the topics must change as LDA trains");
  assert.match(
    (await page.textContent(".answer.neighbours")) ?? "",
    /^\w+ -?\d\.\d\d( · \w+ -?\d\.\d\d){7}$/,
  );

  // An analogy, a word the vocabulary lacks, a paragraph's mixture and a search, typed by the user.
  await page.fill("input[name=analogy]", "he his she");
  await page.press("input[name=analogy]", "Enter");
  await page.locator("input[name=analogy]").blur();
  assert.match((await page.textContent(".answer.analogy")) ?? "", /^\w+ -?\d\.\d\d( · \w+ -?\d\.\d\d){4}$/);
  await page.fill("input[name=paragraph]", "5");
  await page.locator("input[name=paragraph]").blur();
  assert.ok((await inkedPixels(page, "canvas.mixture")) > 1000, "the topic mixture must have drawn");
  await page.fill("input[name=search]", "morlocks darkness");
  await page.locator("input[name=search]").blur();
  const hits = await page.$$eval(".search-results li", (items) => items.map((li) => li.title));
  assert.equal(hits.length, 3);
  assert.match(hits[0], /morlock|dark/i, "the best paragraph mentions the query");
  // tf-idf's cosine ranks with other scores than BM25's.
  const bm25Text = await page.textContent(".search-results");
  await page.selectOption("select[name=ranking]", "tf-idf");
  await page.waitForFunction(
    `document.querySelector(".search-results").textContent !== ${JSON.stringify(bm25Text)}`,
  );
  const tfidfHits = await page.$$eval(".search-results li", (items) => items.map((li) => li.title));
  assert.equal(tfidfHits.length, 3);
  assert.match(tfidfHits[0], /morlock|dark/i, "tf-idf's best paragraph mentions the query too");
  await lab.screenshot("embeddings", page);
  await page.fill("input[name=neighbours]", "zyzzyva");
  await page.locator("input[name=neighbours]").blur();
  assert.equal(await page.textContent(".answer.neighbours"), "not in the vocabulary: zyzzyva");
  assert.deepEqual(errors, [], "no page errors");
  await page.close();
}

/** The translation page trains a GRU with attention on fra-eng and draws greedy and beam attention. */
async function translationPage(lab: LabSession): Promise<void> {
  const { page, errors } = await openFresh(lab, "translation");
  await page.waitForFunction(`document.querySelectorAll(".alignment canvas").length === 2`);
  await page.waitForFunction(
    `document.querySelector(".translation") !== null && document.querySelector(".translation").textContent !== ""`,
  );
  const before = await canvasImages(page, ".alignment canvas");
  assert.match((await page.textContent("pre.code")) ?? "", /new gs\.models\.Seq2SeqAttention/);
  await assertResponsive(page, "translation", () => trainAndPause(page, 25, TRAIN_WAIT_MS));
  await waitForRedraw(page, ".alignment canvas", before);
  for (const [i, n] of (await inkedPixelsEach(page, ".alignment canvas")).entries())
    assert.ok(n > 500, `attention map ${i} must have drawn (${n} coloured pixels)`);
  const [greedy, beam] = await page.$$eval(".translation", (ps) => ps.map((p) => p.textContent ?? ""));
  assert.match(greedy, /\S/, "greedy search must translate");
  assert.match(beam, /\S/, "beam search must translate");
  assert.match((await page.textContent(".alignment figcaption:nth-of-type(1)")) ?? "", /greedy|beam/);
  await lab.screenshot("translation", page);

  // The Transformer is the other model of the page.
  await page.selectOption("select[name=model]", "transformer");
  await page.waitForFunction(`document.querySelector(".status").dataset.step === "0"`);
  assert.match((await page.textContent("pre.code")) ?? "", /new gs\.models\.TransformerTranslator/);
  const transformerBefore = await canvasImages(page, ".alignment canvas");
  await page.click("button.step");
  await page.waitForFunction(`Number(document.querySelector(".status").dataset.step) >= 1`);
  assert.equal((await status(page)).error, undefined);
  // Its cross-attention per output word is drawn too, from the model as it steps.
  await waitForRedraw(page, ".alignment canvas", transformerBefore);
  for (const [i, n] of (await inkedPixelsEach(page, ".alignment canvas")).entries())
    assert.ok(n > 500, `the Transformer's attention map ${i} must have drawn (${n} coloured pixels)`);
  assert.deepEqual(errors, [], "no page errors");
  await page.close();
}

/** Drops a file with `bytes` on the element matching `selector`, as a user dragging it from their desktop. */
async function dropFile(page: Page, selector: string, name: string, bytes: Uint8Array): Promise<void> {
  await page.evaluate(
    `(() => {
      const bytes = Uint8Array.from(atob(${JSON.stringify(Buffer.from(bytes).toString("base64"))}), (c) => c.charCodeAt(0));
      const data = new DataTransfer();
      data.items.add(new File([bytes], ${JSON.stringify(name)}));
      const zone = document.querySelector(${JSON.stringify(selector)});
      zone.dispatchEvent(new DragEvent("dragover", { dataTransfer: data, bubbles: true, cancelable: true }));
      zone.dispatchEvent(new DragEvent("drop", { dataTransfer: data, bubbles: true, cancelable: true }));
    })()`,
  );
}

/** The GPT page loads a dropped checkpoint of train gpt, refuses other files, and downloads its model. */
async function gptCheckpoint(lab: LabSession): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "gradstack-lab-gpt-"));
  try {
    await gptCheckpointIn(lab, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** gptCheckpoint, with the training run and the download in `dir`. */
async function gptCheckpointIn(lab: LabSession, dir: string): Promise<void> {
  // A checkpoint of `gradstack train gpt` on tiny Shakespeare, trained enough that its loss is well below ln(65).
  const outDir = join(dir, "gpt-run");
  const run = trainGPT({
    out_dir: outDir,
    n_layer: 1,
    n_head: 2,
    n_embd: 32,
    block_size: 32,
    batch_size: 16,
    max_iters: 200,
    eval_interval: 200,
    eval_iters: 2,
    log_interval: 1000,
    warmup_iters: 10,
    lr_decay_iters: 200,
    learning_rate: 1e-2,
    always_save_checkpoint: true,
  });
  const checkpoint = readFileSync(run.checkpoint);
  const saved = gs.io.loadCheckpoint(run.checkpoint).model;

  const { page, errors } = await openFresh(lab, "gpt");
  await page.waitForFunction(`document.querySelectorAll(".attention canvas").length === 4`);
  await page.click("button.step");
  await page.waitForFunction(`Number(document.querySelector(".status").dataset.step) >= 1`);
  const untrained = Number((await status(page)).firstLoss);

  // Files that are not a GPT are refused with what was expected; the page's model stays.
  await dropFile(page, ".drop-zone", "notes.txt", new TextEncoder().encode("not a model"));
  await page.waitForFunction(`document.querySelector(".file-note").dataset.error !== undefined`);
  assert.match(
    (await page.textContent(".file-note")) ?? "",
    /notes\.txt is not a safetensors file .*expected a `gradstack train gpt` checkpoint .* or a nanoGPT-named \.safetensors/,
  );
  await dropFile(
    page,
    ".drop-zone",
    "mlp.safetensors",
    gs.io.serializeSafetensors({ "fc.weight": gs.zeros([2, 3]) }),
  );
  await page.waitForFunction(`/holds no GPT/.test(document.querySelector(".file-note").dataset.error)`);
  assert.match((await page.textContent(".file-note")) ?? "", /it has 1 tensors \(fc\.weight\)/);

  // The checkpoint: the page builds its model (1 layer, 2 heads) and its first loss is the trained one.
  await dropFile(page, ".drop-zone", "ckpt.safetensors", checkpoint);
  await page.waitForFunction(`document.querySelector(".file-note").dataset.loaded !== undefined`);
  assert.match((await page.textContent(".file-note")) ?? "", /1 layers, 2 heads, width 32, context 32/);
  assert.match((await page.textContent("pre.code")) ?? "", /The model is ckpt\.safetensors/);
  await page.waitForFunction(`document.querySelectorAll(".attention canvas").length === 2`);
  assert.ok(
    (await inkedPixelsEach(page, ".attention canvas")).every((n) => n > 100),
    "the attention maps must draw",
  );

  // Download it before training: the file holds the checkpoint's weights under nanoGPT's names.
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("button.download")]);
  const file = join(dir, "downloaded.safetensors");
  await download.saveAs(file);
  const downloaded = gs.io.loadSafetensors(file);
  assert.deepEqual(Object.keys(downloaded).sort(), Object.keys(saved).sort());
  for (const [key, t] of Object.entries(saved))
    assert.deepEqual(downloaded[key].toArray(), t.toArray(), `${key} must come back equal`);
  const reloaded = gs.models.GPT.fromStateDict(downloaded, { nHead: 2 });
  assert.equal(reloaded.config.nLayer, 1);

  await page.click("button.step");
  await page.waitForFunction(`Number(document.querySelector(".status").dataset.step) >= 1`);
  const loaded = Number((await status(page)).firstLoss);
  assert.ok(
    loaded < untrained - 0.8,
    `the loaded model must start trained: loss ${loaded}, untrained ${untrained}`,
  );
  await lab.screenshot("gpt-checkpoint", page);
  assert.deepEqual(errors, [], "no page errors");
  await page.close();
}

/** The character models train on the user's own text. */
async function ownText(lab: LabSession): Promise<void> {
  const { page, errors } = await openFresh(lab, "rnn");
  await page.waitForFunction(`document.querySelector(".samples").textContent !== ""`);
  const own = "to be or not to be, that is the question.\n".repeat(100);
  await page.setInputFiles("input[name=text-file]", {
    name: "hamlet.txt",
    mimeType: "text/plain",
    buffer: Buffer.from(own),
  });
  await page.waitForFunction(`/hamlet\\.txt/.test(document.querySelector(".text-note").textContent)`);
  // The model is rebuilt on the text: its samples only use the text's characters.
  await page.waitForFunction(
    `[...document.querySelector(".samples").textContent].every((c) => ${JSON.stringify(own)}.includes(c))`,
  );
  await assertResponsive(page, "rnn on your own text", () => trainAndPause(page, 30, TRAIN_WAIT_MS));
  await page.click("button.shipped-text");
  await page.waitForFunction(`/[A-Z]/.test(document.querySelector(".samples").textContent)`);
  assert.deepEqual(errors, [], "no page errors");
  await page.close();
}

test("the lab's part B pages: RNN, embeddings, translation, GPT checkpoints, your own text", async (t) => {
  if ((process.env.GRADSTACK_BACKEND ?? "js") !== "js")
    return t.skip(
      "the lab picks its own backend in the browser, whatever Node's: tested once, in the js pass",
    );
  await withLab(async (lab) => {
    const pages = { rnnPage, embeddingsPage, translationPage, gptCheckpoint, ownText };
    for (const [name, check] of Object.entries(pages))
      await t.test(name, { timeout: PAGE_TIMEOUT_MS }, () => check(lab));
  });
});
