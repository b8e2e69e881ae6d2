// The lab's pages of part A, in headless Debian chromium (test/helpers/lab-browser.ts): micrograd (an
// expression's graph, forward then backward node by node, gradient descent on its variables).
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { withLab } from "./helpers/lab-browser.js";

const TEST_TIMEOUT_MS = 60_000;

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
  await page.click("button.backward"); // forward first, then backward
  await phaseIs(page, "done");
  const a = 1.5;
  const b = 0.5;
  assert.ok(Math.abs(Number((await nodeData(page, "a")).grad) - (2 * a - Math.exp(b) / a ** 2)) < 1e-9);

  // Gradient descent on the squared error's variables lowers it.
  await page.selectOption("select[name=preset]", { label: "squared error" });
  await page.click("button.backward");
  await phaseIs(page, "done");
  const output = async () => Number(await page.evaluate(`document.querySelector(".status").dataset.output`));
  const before = await output();
  for (let i = 0; i < 10; i++) await page.click("button.descend");
  assert.ok((await output()) < before * 0.5, `the output must fall: ${before} then ${await output()}`);

  // A bad expression names what is wrong, and the page keeps working.
  await page.fill("input[name=expression]", "a * (b + ");
  await page.dispatchEvent("input[name=expression]", "change");
  assert.match((await page.textContent(".expression-error")) ?? "", /ends too early/);
  await page.fill("input[name=expression]", "w * q");
  await page.dispatchEvent("input[name=expression]", "change");
  assert.match((await page.textContent(".expression-error")) ?? "", /give "q" a value/);
}

test("the lab's part A pages: micrograd", { timeout: TEST_TIMEOUT_MS }, async (t) => {
  if (process.env.GRADSTACK_BACKEND === "native")
    return t.skip("the lab runs on cpu-js in the browser whatever Node's backend: tested in the js pass");
  await withLab(async ({ url, page, errors, screenshot }) => {
    await t.test("micrograd", async () => {
      await microgradPage(page, url);
      await page.selectOption("select[name=preset]", { label: "a neuron" });
      await page.click("button.backward");
      await phaseIs(page, "done");
      await screenshot("micrograd");
    });
    assert.deepEqual(errors, [], "no page errors");
  });
});
