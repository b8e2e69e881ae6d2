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
export const WAIT_MS = 20_000;

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

/** Waits until the page's worker reports `step >= steps` (or an error). */
export async function waitForStep(page: Page, steps: number): Promise<void> {
  await page.waitForFunction(
    `(() => { const d = document.querySelector(".status")?.dataset;
      return d && (d.error !== undefined || Number(d.step) >= ${steps}); })()`,
    undefined,
    { timeout: WAIT_MS },
  );
}

/** Opens a page of the lab and waits for its worker to build the model. */
export async function openPage(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForFunction(`document.querySelector(".status")?.dataset.backend !== undefined`, undefined, {
    timeout: WAIT_MS,
  });
}

/** Trains until `steps`, pauses, and checks the loss fell; returns the status. */
export async function trainAndPause(page: Page, steps: number): Promise<Status> {
  await page.click("button.start");
  await waitForStep(page, steps);
  await page.click("button.start"); // now "Pause"
  await page.waitForFunction(`document.querySelector(".status").dataset.running === "false"`);
  const s = await status(page);
  assert.equal(s.error, undefined, `the worker failed: ${s.error}`);
  assert.equal(s.backend, "wasm", "the lab, cross-origin isolated, trains on the wasm backend");
  const first = Number(s.firstLoss);
  const recent = Number(s.recentLoss);
  assert.ok(recent < first * 0.85, `the loss must fall: ${first} at step 1, ${recent} near step ${s.step}`);
  return s;
}

/** Counts the pixels of the first canvas matching `selector` that are drawn (not transparent). */
export const canvasPixels = (page: Page, selector: string) =>
  page.evaluate(`(() => {
    const c = document.querySelector(${JSON.stringify(selector)});
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
    return n;
  })()`) as Promise<number>;

/** Counts the pixels of the first canvas matching `selector` that are neither transparent nor white. */
export const inkedPixels = (page: Page, selector: string) =>
  page.evaluate(`(() => {
    const c = document.querySelector(${JSON.stringify(selector)});
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && d[i] + d[i + 1] + d[i + 2] < 3 * 250) n++;
    return n;
  })()`) as Promise<number>;

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

/** The longest the UI thread may block while a page trains: the bar for a responsive page. */
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
 * chromium was descheduled: then `again` (by default 3 s more of training) is measured, and must be clean.
 */
export async function assertResponsive(
  page: Page,
  what: string,
  body: () => Promise<unknown>,
  again: () => Promise<unknown> = () => trainFor(page, 3000),
): Promise<void> {
  const first = await longTasksDuring(page, body);
  if ((first[0] ?? 0) <= LONG_TASK_MS) return;
  const second = await longTasksDuring(page, again);
  assert.ok(
    (second[0] ?? 0) <= LONG_TASK_MS,
    `${what}: the UI thread blocked for over ${LONG_TASK_MS} ms twice (long tasks: ${first.join(", ")} ms, ` +
      `then ${second.join(", ")} ms)`,
  );
}

/** The lab, built and served, and a headless chromium page on it. */
export interface LabSession {
  url: string;
  browser: Browser;
  page: Page;
  /** Messages of uncaught errors on the page. */
  errors: string[];
  /** Saves a screenshot: to docs/lab/<name>.png with GRADSTACK_LAB_SCREENSHOTS=1, else to a temporary folder. */
  screenshot(name: string): Promise<void>;
}

/** Launches Debian's headless chromium (the npm browser download is not available here). */
export function launchChromium(args: string[] = []): Promise<Browser> {
  assert.ok(
    existsSync(CHROMIUM),
    `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)`,
  );
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", ...args],
    timeout: WAIT_MS,
  });
}

/** Builds the lab into a temporary folder, serves it on 127.0.0.1 and runs `body`; cleans up after. */
export async function withLab(body: (lab: LabSession) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "gradstack-lab-"));
  const keep = process.env.GRADSTACK_LAB_SCREENSHOTS !== undefined;
  const shots = keep ? join(repoRoot, "docs", "lab") : join(dir, "screenshots");
  let server: Server | undefined;
  let browser: Browser | undefined;
  try {
    await buildLab(join(dir, "site"));
    server = await serveStatic(join(dir, "site"), "127.0.0.1", 0);
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.addInitScript(LONG_TASK_OBSERVER);
    page.setDefaultTimeout(WAIT_MS);
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    mkdirSync(shots, { recursive: true });
    const screenshot = async (name: string) =>
      void (await page.screenshot({ path: join(shots, `${name}.png`) }));
    await body({ url, browser, page, errors, screenshot });
  } finally {
    await browser?.close();
    await new Promise((done) => (server ? server.close(done) : done(undefined)));
    rmSync(dir, { recursive: true, force: true });
    if (keep) console.log(`# lab screenshots: ${shots}`);
  }
}
