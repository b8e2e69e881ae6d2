// What the lab's browser tests (and bench/browser.ts) share: building the lab, serving it with the
// isolation headers, driving Debian's headless chromium, and reading a page's status line.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { chromium, type Browser, type Page } from "playwright-core";
import { buildLab, serveStatic } from "../../src/cli/commands/lab.js";
import { repoRoot } from "./fixtures.js";

export const CHROMIUM = "/usr/bin/chromium";
/** The longest wait for any one thing on the page (training takes 10-30 s here). */
export const WAIT_MS = 30_000;

/** The status line's numbers, which the page keeps as data attributes for tests. */
export interface Status {
  backend?: string;
  step?: string;
  firstLoss?: string;
  recentLoss?: string;
  running?: string;
  error?: string;
}

export const status = async (page: Page): Promise<Status> =>
  (await page.evaluate(`({ ...document.querySelector(".status").dataset })`)) as Status;

/** Sets the settings form's field `name` to `value`, as a user's edit does (a "change" event). */
export async function setField(page: Page, name: string, value: string): Promise<void> {
  await page.evaluate(`(() => {
    const input = document.querySelector("[name=${name}]");
    input.value = ${JSON.stringify(value)};
    input.dispatchEvent(new Event("change"));
  })()`);
}

/** Waits until the page's worker reports `step >= steps` (or an error); the slower models pass a longer `timeout`. */
export async function waitForStep(page: Page, steps: number, timeout = WAIT_MS): Promise<void> {
  await page.waitForFunction(
    `(() => { const d = document.querySelector(".status")?.dataset;
      return d && (d.error !== undefined || Number(d.step) >= ${steps}); })()`,
    undefined,
    { timeout },
  );
}

/** Opens a page of the lab and waits for its worker to build the model. */
export async function openPage(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForFunction(`document.querySelector(".status")?.dataset.backend !== undefined`, undefined, {
    timeout: WAIT_MS,
  });
}

/**
 * Trains until `steps` (waiting up to `timeout`), pauses, and checks that it trained on `backend` and the
 * loss fell; returns the status.
 */
export async function trainAndPause(
  page: Page,
  steps: number,
  timeout = WAIT_MS,
  backend = "wasm",
): Promise<Status> {
  await page.click("button.start");
  await waitForStep(page, steps, timeout);
  await page.click("button.start"); // now "Pause"
  await page.waitForFunction(`document.querySelector(".status").dataset.running === "false"`);
  const s = await status(page);
  assert.equal(s.error, undefined, `the worker failed: ${s.error}`);
  assert.equal(s.backend, backend, `the page must train on ${backend}`);
  const first = Number(s.firstLoss);
  const recent = Number(s.recentLoss);
  assert.ok(recent < first * 0.85, `the loss must fall: ${first} at step 1, ${recent} near step ${s.step}`);
  return s;
}

/** For each canvas matching `selector`: its pixels that are drawn (not transparent). */
export const canvasPixelsEach = (page: Page, selector: string) =>
  page.evaluate(`[...document.querySelectorAll(${JSON.stringify(selector)})].map((c) => {
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
    return n;
  })`) as Promise<number[]>;

/** For each canvas matching `selector`: its pixels that are neither transparent nor white (blank counts 0). */
export const inkedPixelsEach = (page: Page, selector: string) =>
  page.evaluate(`[...document.querySelectorAll(${JSON.stringify(selector)})].map((c) => {
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && d[i] + d[i + 1] + d[i + 2] < 3 * 250) n++;
    return n;
  })`) as Promise<number[]>;

/** The drawn pixels of the first canvas matching `selector`. */
export const canvasPixels = async (page: Page, selector: string) =>
  (await canvasPixelsEach(page, selector))[0];

/** The inked pixels of the first canvas matching `selector`. */
export const inkedPixels = async (page: Page, selector: string) => (await inkedPixelsEach(page, selector))[0];

/** The pictures (data URLs) of the canvases matching `selector`, to tell later whether they redrew. */
export const canvasImages = (page: Page, selector: string) =>
  page.evaluate(
    `[...document.querySelectorAll(${JSON.stringify(selector)})].map((c) => c.toDataURL())`,
  ) as Promise<string[]>;

/** Waits until the canvases matching `selector` differ from `before` (from canvasImages). */
export const waitForRedraw = (page: Page, selector: string, before: string[], timeout = WAIT_MS) =>
  page.waitForFunction(
    `JSON.stringify([...document.querySelectorAll(${JSON.stringify(selector)})].map((c) => c.toDataURL())) !== ${JSON.stringify(JSON.stringify(before))}`,
    undefined,
    { timeout },
  );

/** Counts the drawn pixels of the loss chart's canvas. */
export const chartPixels = (page: Page) => canvasPixels(page, ".chart canvas");

/**
 * Records the UI thread's long tasks (chromium reports each task over 50 ms) from the page's start, in
 * `self.labLongTasks`; installed before every page of a session loads.
 */
const LONG_TASK_OBSERVER = `
  self.labLongTasks = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) self.labLongTasks.push(Math.round(e.duration));
  }).observe({ type: "longtask", buffered: true });
`;

/** Runs `body` and returns the durations (ms) of the UI thread's long tasks meanwhile, longest first. */
export async function longTasksDuring(page: Page, body: () => Promise<unknown>): Promise<number[]> {
  await page.evaluate(`self.labLongTasks.length = 0`);
  await body();
  // Entries are delivered after the task ends: let the observer run once more.
  await page.evaluate(`new Promise((done) => setTimeout(done, 50))`);
  const durations = (await page.evaluate(`self.labLongTasks`)) as number[];
  return durations.sort((a, b) => b - a);
}

/** The longest the UI thread may block while a page trains: the issue's bar for a responsive page. */
export const LONG_TASK_MS = 100;

/** Trains for `ms` milliseconds of wall time, then pauses. */
export async function trainFor(page: Page, ms: number): Promise<void> {
  await page.click("button.start");
  await page.waitForTimeout(ms);
  await page.click("button.start");
  await page.waitForFunction(`document.querySelector(".status").dataset.running === "false"`);
}

/**
 * Runs `body` (training, animating) and checks that the UI thread never blocked for over LONG_TASK_MS.
 * A task's duration is wall time, so on a machine loaded by other work one task can run long because
 * chromium was descheduled (on 2 cores shared with a parallel test file and, on WebGPU, SwiftShader):
 * then `again` (by default 3 s more of training) is measured, up to twice, and one of those must be clean.
 */
export async function assertResponsive(
  page: Page,
  what: string,
  body: () => Promise<unknown>,
  again: () => Promise<unknown> = () => trainFor(page, 3000),
): Promise<void> {
  const runs = [await longTasksDuring(page, body)];
  while ((runs[runs.length - 1][0] ?? 0) > LONG_TASK_MS) {
    if (runs.length === 3)
      assert.fail(
        `${what}: the UI thread blocked for over ${LONG_TASK_MS} ms ${runs.length} times (long tasks: ` +
          `${runs.map((r) => `${r.join(", ")} ms`).join("; then ")})`,
      );
    runs.push(await longTasksDuring(page, again));
  }
}

/** A chromium tab on the lab, with the messages of its uncaught errors. */
export interface LabTab {
  page: Page;
  errors: string[];
}

/** The lab, built and served, and a headless chromium page on it. */
export interface LabSession extends LabTab {
  url: string;
  browser: Browser;
  /** A fresh tab, set up as `page` is, for a test that must not inherit another page's state. */
  newTab(): Promise<LabTab>;
  /**
   * Saves a screenshot of `page` (the session's by default), the whole page: to docs/lab/<name>.png with
   * GRADSTACK_LAB_SCREENSHOTS=1, else to a temporary folder.
   */
  screenshot(name: string, page?: Page): Promise<void>;
}

/** Chromium's flags for WebGPU headless: SwiftShader's software adapter (no GPU here). */
export const WEBGPU_FLAGS = ["--enable-unsafe-webgpu", "--use-webgpu-adapter=swiftshader"];

/**
 * Launches Debian's headless chromium (the npm browser download is not available here); `webgpu` keeps
 * the GPU process (SwiftShader's WebGPU runs in it) and adds WEBGPU_FLAGS.
 */
export function launchChromium(args: string[] = [], webgpu = false): Promise<Browser> {
  assert.ok(
    existsSync(CHROMIUM),
    `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)`,
  );
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-dev-shm-usage",
      ...(webgpu ? WEBGPU_FLAGS : ["--disable-gpu"]),
      ...args,
    ],
    timeout: WAIT_MS,
  });
}

/** Opens a tab with the lab's viewport, its long-task observer, its wait bound and its error log. */
async function openTab(browser: Browser): Promise<LabTab> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  await page.addInitScript(LONG_TASK_OBSERVER);
  page.setDefaultTimeout(WAIT_MS);
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  return { page, errors };
}

/**
 * Builds the lab into a temporary folder, serves it on 127.0.0.1 and runs `body` (in a chromium with
 * WebGPU when `webgpu`); cleans up after.
 */
export async function withLab(body: (lab: LabSession) => Promise<void>, webgpu = false): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "gradstack-lab-"));
  const keep = process.env.GRADSTACK_LAB_SCREENSHOTS !== undefined;
  const shots = keep ? join(repoRoot, "docs", "lab") : join(dir, "screenshots");
  let server: Server | undefined;
  let browser: Browser | undefined;
  try {
    await buildLab(join(dir, "site"));
    server = await serveStatic(join(dir, "site"), "127.0.0.1", 0);
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const chromium = (browser = await launchChromium([], webgpu));
    const { page, errors } = await openTab(chromium);
    mkdirSync(shots, { recursive: true });
    const screenshot = async (name: string, shown = page) =>
      void (await shown.screenshot({ path: join(shots, `${name}.png`), fullPage: true }));
    await body({ url, browser, page, errors, newTab: () => openTab(chromium), screenshot });
  } finally {
    await browser?.close();
    await new Promise((done) => (server ? server.close(done) : done(undefined)));
    rmSync(dir, { recursive: true, force: true });
    if (keep) console.log(`# lab screenshots: ${shots}`);
  }
}
