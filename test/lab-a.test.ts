// The lab's pages of part A, in headless Debian chromium (test/helpers/lab-browser.ts): micrograd (an
// expression's graph, forward then backward node by node, gradient descent on its variables), MNIST (loss,
// confusion matrix, misclassified digits), n-grams (the bigram table, the 2-D embedding moving, samples) and
// the playground's CSV upload (good and bad files) and its regression sets.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import {
  assertResponsive,
  canvasImages,
  canvasPixels,
  chartPixels,
  inkedPixels,
  openPage,
  trainAndPause,
  withLab,
} from "./helpers/lab-browser.js";

const TEST_TIMEOUT_MS = 120_000;
/** MNIST steps (MLP, batch 64): the loss falls from 2.3 to about 0.5. */
const MNIST_STEPS = 60;
/** Steps of the MLP language model with its 2-D embedding. */
const NGRAM_STEPS = 80;
/** Steps on the uploaded blobs: enough to separate them. */
const CSV_STEPS = 60;
/** Steps of the MLP fitting the tilted plane. */
const REGRESSION_STEPS = 60;

/** data-* of the graph node labelled `label`. */
const nodeData = (page: Page, label: string) =>
  page.evaluate(
    `({ ...document.querySelector('.value-graph .node[data-label="${label}"]').dataset })`,
  ) as Promise<Record<string, string>>;

const phaseIs = (page: Page, phase: string) =>
  page.waitForFunction(`document.querySelector(".status").dataset.phase === ${JSON.stringify(phase)}`);

async function microgradPage(page: Page, url: string): Promise<void> {
  await page.goto(`${url}#micrograd`);
  await page.selectOption("select[name=speed]", "fast");
  // a*b + c with a = 2, b = -3, c = 10: five values, two ops.
  assert.equal(await page.locator(".value-graph .node").count(), 5);
  await page.click("button.forward");
  await phaseIs(page, "forward done");
  assert.equal(Number((await nodeData(page, "a")).data), 2);
  assert.equal(Number(await page.evaluate(`document.querySelector(".status").dataset.output`)), 4);
  await page.click("button.backward");
  await phaseIs(page, "done");
  assert.equal(Number((await nodeData(page, "a")).grad), -3, "d(a*b + c)/da = b");
  assert.equal(Number((await nodeData(page, "b")).grad), 2, "d(a*b + c)/db = a");
  assert.equal(Number((await nodeData(page, "c")).grad), 1);
  assert.match((await page.textContent("pre.code")) ?? "", /const out = a\.mul\(b\)\.add\(c\);/);

  // A variable used twice sums both paths: d(a*a + exp(b)/a)/da = 2a - exp(b)/a².
  await page.selectOption("select[name=preset]", { label: "a used twice" });
  const forwardBackward = async () => {
    await page.click("button.backward"); // forward first, then backward
    await phaseIs(page, "done");
  };
  await assertResponsive(page, "micrograd", forwardBackward, forwardBackward);
  const a = 1.5;
  const b = 0.5;
  assert.ok(Math.abs(Number((await nodeData(page, "a")).grad) - (2 * a - Math.exp(b) / a ** 2)) < 1e-9);

  // Gradient descent on the squared error's variables lowers it.
  await page.selectOption("select[name=preset]", { label: "squared error" });
  await page.click("button.backward");
  await phaseIs(page, "done");
  const output = async () => Number(await page.evaluate(`document.querySelector(".status").dataset.output`));
  const before = await output();
  const descend = async (times: number) => {
    for (let i = 0; i < times; i++) await page.click("button.descend");
  };
  await assertResponsive(
    page,
    "micrograd",
    () => descend(10),
    () => descend(2),
  );
  assert.ok((await output()) < before * 0.5, `the output must fall: ${before} then ${await output()}`);

  // A bad expression names what is wrong, and the page keeps working.
  await page.fill("input[name=expression]", "a * (b + ");
  await page.dispatchEvent("input[name=expression]", "change");
  assert.match((await page.textContent(".expression-error")) ?? "", /ends too early/);
  await page.fill("input[name=expression]", "w * q");
  await page.dispatchEvent("input[name=expression]", "change");
  assert.match((await page.textContent(".expression-error")) ?? "", /give "q" a value/);
}

/** Two blobs of points, labelled 3 and 7, with the columns in another order and one column more. */
function blobsCsv(): string {
  const lines = ["label,id,y,x"];
  for (let i = 0; i < 80; i++) {
    const label = i % 2 ? 7 : 3;
    const centre = label === 7 ? 10 : 4;
    const jitter = (k: number) => Math.sin(i * 12.9898 + k * 78.233) * 1.5;
    lines.push(`${label},${i},${centre + jitter(1)},${centre + jitter(2)}`);
  }
  return lines.join("\n") + "\n";
}

const upload = (page: Page, name: string, text: string) =>
  page.setInputFiles("input[name=csv]", { name, mimeType: "text/csv", buffer: Buffer.from(text) });

async function playgroundCsv(page: Page, url: string): Promise<void> {
  await openPage(page, `${url}#playground`);
  const message = () => page.textContent(".csv-message");
  await upload(page, "no-label.csv", "x,y,class\n1,2,0\n2,3,1\n3,4,0\n4,5,1\n");
  await page.waitForSelector(".csv-message.error");
  assert.match((await message()) ?? "", /no column "label"/);
  await upload(page, "bad-row.csv", "x,y,label\n1,2,0\n2,3,1\n3,oops,0\n4,5,1\n");
  await page.waitForFunction(`/oops/.test(document.querySelector(".csv-message").textContent)`);
  assert.match((await message()) ?? "", /line 4, column "y"/);
  await upload(page, "three-classes.csv", "x,y,label\n1,2,0\n2,3,1\n3,4,2\n4,5,1\n");
  await page.waitForFunction(`/three-classes/.test(document.querySelector(".csv-message").textContent)`);
  assert.match((await message()) ?? "", /"label" has 3 distinct values \(0, 1, 2\)/);

  await upload(page, "blobs.csv", blobsCsv());
  await page.waitForFunction(
    `/blobs.csv: 80 points/.test(document.querySelector(".csv-message").textContent)`,
  );
  assert.equal(await page.inputValue("select[name=dataset]"), "csv");
  await page.waitForFunction(`document.querySelector(".status").dataset.step === "0"`);
  assert.match((await page.textContent("pre.code")) ?? "", /From blobs\.csv/);
  await assertResponsive(page, "playground on a CSV", () => trainAndPause(page, CSV_STEPS));
  await page.waitForFunction(`/accuracy 100/.test(document.querySelector(".accuracy").textContent)`);
  assert.ok((await canvasPixels(page, "canvas.boundary")) > 10_000, "the boundary must have drawn");
}

/** The playground's regression: an MLP fits the value of each point of the plane set. */
async function playgroundRegression(page: Page, url: string): Promise<void> {
  await openPage(page, `${url}#playground`);
  await page.selectOption("select[name=dataset]", "plane");
  await page.waitForFunction(`/mean squared error/.test(document.querySelector(".accuracy").textContent)`);
  const code = (await page.textContent("pre.code")) ?? "";
  assert.match(code, /new gs\.nn\.Linear\(16, 1\), \/\/ the value/);
  assert.match(code, /gs\.nn\.functional\.mseLoss\(model\.forward\(x\)\.squeeze\(1\), y\)/);
  const before = await canvasImages(page, "canvas.boundary");
  const error = async () => Number(/error ([\d.]+)/.exec((await page.textContent(".accuracy")) ?? "")![1]);
  const errorBefore = await error();
  await assertResponsive(page, "playground regression", () => trainAndPause(page, REGRESSION_STEPS));
  await page.waitForFunction(
    `!/error ${errorBefore.toFixed(4)}/.test(document.querySelector(".accuracy").textContent)`,
  );
  assert.ok(
    (await error()) < errorBefore / 2,
    `the mean squared error must fall: ${errorBefore}, then ${await error()}`,
  );
  assert.notDeepEqual(await canvasImages(page, "canvas.boundary"), before, "the fitted values must redraw");
  assert.ok((await canvasPixels(page, "canvas.boundary")) > 10_000, "the fit must have drawn");
}

async function mnistPage(page: Page, url: string): Promise<void> {
  await openPage(page, `${url}#mnist`);
  await page.waitForSelector(".accuracy[data-accuracy]");
  const mistakesBefore = await canvasImages(page, "canvas.digit-grid");
  assert.match(
    (await page.textContent("pre.code")) ?? "",
    /new gs\.nn\.Linear\(784, 64\), new gs\.nn\.ReLU\(\)/,
  );
  await assertResponsive(page, "mnist", () => trainAndPause(page, MNIST_STEPS));
  await page.waitForFunction(`Number(document.querySelector(".accuracy").dataset.accuracy) > 0.6`);
  assert.notDeepEqual(
    await canvasImages(page, "canvas.digit-grid"),
    mistakesBefore,
    "the misclassified digits must change",
  );
  assert.ok((await inkedPixels(page, "canvas.confusion")) > 2000, "the confusion matrix must have drawn");
  assert.ok(
    (await inkedPixels(page, "canvas.digit-grid")) > 2000,
    "the misclassified digits must have drawn",
  );
  assert.ok((await chartPixels(page)) > 500, "the loss chart must have drawn");
  // Softmax regression: 7,850 parameters.
  await page.selectOption("select[name=model]", "softmax");
  await page.waitForFunction(`document.querySelector(".status").dataset.parameters === "7850"`);
  assert.match((await page.textContent("pre.code")) ?? "", /softmax regression/);
}

async function ngramPage(page: Page, url: string): Promise<void> {
  await openPage(page, `${url}#ngram`);
  await page.waitForFunction(`document.querySelector(".samples").textContent !== ""`);
  // The bigram table of names: 27 × 27 cells (a-z and the "." that starts and ends a name).
  assert.equal(await page.evaluate(`document.querySelector("canvas.bigram-counts").width`), 16 + 27 * 13);
  assert.ok(
    (await inkedPixels(page, "canvas.bigram-counts")) > 27 * 27 * 13 * 4,
    "the bigram table must have drawn",
  );
  const [embeddingBefore, samplesBefore] = [
    await canvasImages(page, "canvas.embedding"),
    await page.textContent(".samples"),
  ];
  assert.match((await page.textContent("pre.code")) ?? "", /embedDim: 2,/);
  await assertResponsive(page, "ngram", () => trainAndPause(page, NGRAM_STEPS));
  await page.waitForFunction(
    `document.querySelector(".samples").textContent !== ${JSON.stringify(samplesBefore)}`,
  );
  assert.notDeepEqual(
    await canvasImages(page, "canvas.embedding"),
    embeddingBefore,
    "the embedding must move",
  );
  assert.ok((await inkedPixels(page, "canvas.embedding")) > 500, "the embedding must have drawn");
  assert.ok((await chartPixels(page)) > 500, "the loss chart must have drawn");
}

test(
  "the lab's part A pages: micrograd, MNIST, n-grams, the playground's CSV upload",
  { timeout: TEST_TIMEOUT_MS },
  async (t) => {
    if ((process.env.GRADSTACK_BACKEND ?? "js") !== "js")
      return t.skip(
        "the lab picks its own backend in the browser, whatever Node's: tested once, in the js pass",
      );
    await withLab(async ({ url, page, errors, screenshot }) => {
      await t.test("micrograd", async () => {
        await microgradPage(page, url);
        await page.selectOption("select[name=preset]", { label: "a neuron" });
        await page.click("button.backward");
        await phaseIs(page, "done");
        await screenshot("micrograd");
      });
      await t.test("mnist", async () => {
        await mnistPage(page, url);
        await page.selectOption("select[name=model]", "mlp");
        await trainAndPause(page, MNIST_STEPS);
        await screenshot("mnist");
      });
      await t.test("ngram", async () => {
        await ngramPage(page, url);
        await screenshot("ngram");
      });
      await t.test("playground: your own CSV", () => playgroundCsv(page, url));
      await screenshot("playground-csv");
      await t.test("playground: regression", () => playgroundRegression(page, url));
      await screenshot("playground-regression");
      assert.deepEqual(errors, [], "no page errors");
    });
  },
);
