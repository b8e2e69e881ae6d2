/**
 * `npm run bench:browser [-- --backend=wasm --threads=4 --steps=10 --seconds=5]`: gradstack's speed in headless
 * Debian chromium, the browser the lab's tests drive. Prints the chromium version and the CPU, then one
 * Markdown table:
 * - the nanoGPT CPU-recipe training step (bench/gpt.ts's model, AdamW) in a Web Worker on `--backend`:
 *   cpu-js (default) or wasm (`gs.wasm.init`, with `--threads` threads, default hardwareConcurrency;
 *   another name calls `await gs.<name>.init()`), checked against gs.backend();
 * - the steps/s of each lab page's default model while the page trains it (every page with a Start
 *   button, found in the lab's navigation), on the backend its worker picks, shown beside it.
 * No test: the figures depend on the machine and its load.
 */
import { cpus, loadavg } from "node:os";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import type { Page } from "playwright-core";
import { build } from "esbuild";
import { buildLab, serveStatic } from "../src/cli/commands/lab.js";
import { launchChromium, openPage, WAIT_MS } from "../test/helpers/lab-browser.js";
import { repoRoot } from "../test/helpers/fixtures.js";

function option(name: string, fallback: string): string {
  const prefix = `--${name}=`;
  return process.argv.find((a) => a.startsWith(prefix))?.slice(prefix.length) ?? fallback;
}

const BACKEND = option("backend", "cpu-js");
const GPT_STEPS = Number(option("steps", "10"));
const GPT_WARMUP = 3;
const PAGE_SECONDS = Number(option("seconds", "5"));
/** The wasm backend's threads in the GPT step's worker (default: chromium's hardwareConcurrency). */
const THREADS = option("threads", "") === "" ? undefined : Number(option("threads", ""));

/**
 * A Web Worker's script (a worker, so that the wasm backend may use threads: a page's main thread may not
 * wait on them): bench/gpt.ts's step (a fresh model, AdamW, 8 random batches in turn) on gradstack's
 * browser entry, timed; posts the backend, its threads and each timed step's milliseconds.
 */
const GPT_ENTRY = `
import * as gs from "../src/index.js";
import { gptStep } from "./gpt.js";
self.onmessage = async (event) => {
  const { backendName, warmup, steps, threads } = event.data;
  try {
    if (backendName === "wasm") await gs.wasm.init({ module: "gradstack.wasm", threads });
    else if (backendName !== "cpu-js") {
      if (typeof gs[backendName]?.init === "function") await gs[backendName].init();
      gs.setBackend(backendName);
    }
    if (!gs.backend().name.includes(backendName.replace("cpu-", "")))
      throw new Error("gradstack in the browser has no backend " + backendName + "; it runs " + gs.backend().name);
    const step = gptStep("gpt");
    const times = [];
    for (let i = 0; i < warmup + steps; i++) {
      const t0 = performance.now();
      step();
      if (i >= warmup) times.push(performance.now() - t0);
    }
    self.postMessage({ backend: gs.backend().name, threads: gs.backend().threads ?? 1, times });
  } catch (e) {
    self.postMessage({ error: String((e && e.stack) || e) });
  }
};
`;

/** Bundles GPT_ENTRY for the browser, with gradstack's Node entry (src/index) swapped for dist/browser.js. */
async function gptBundle(): Promise<string> {
  const out = await build({
    stdin: {
      contents: GPT_ENTRY,
      resolveDir: join(repoRoot, "bench"),
      sourcefile: "bench-gpt.ts",
      loader: "ts",
    },
    bundle: true,
    platform: "browser",
    format: "iife",
    write: false,
    logLevel: "silent",
    plugins: [
      {
        name: "gradstack-browser-entry",
        setup(b) {
          b.onResolve({ filter: /\/src\/index\.js$/ }, () => ({
            path: join(repoRoot, "dist", "browser.js"),
          }));
        },
      },
    ],
  });
  return out.outputFiles[0].text;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function gptStep(page: Page, url: string): Promise<string[]> {
  await page.goto(`${url}bench-gpt.html`);
  const message = { backendName: BACKEND, warmup: GPT_WARMUP, steps: GPT_STEPS, threads: THREADS };
  const reply = (await page.evaluate(`new Promise((resolve) => {
    const worker = new Worker("bench-gpt.js");
    worker.onmessage = (e) => { resolve(e.data); worker.terminate(); };
    worker.onerror = (e) => resolve({ error: "worker error: " + e.message });
    worker.postMessage(${JSON.stringify(message)});
  })`)) as { backend: string; threads: number; times: number[]; error?: string };
  if (reply.error !== undefined) throw new Error(`the GPT step's worker failed: ${reply.error}`);
  const { backend, threads, times } = reply;
  const ms = median(times);
  const range = `${Math.min(...times).toFixed(0)}–${Math.max(...times).toFixed(0)}`;
  return [
    "GPT step, nanoGPT CPU recipe (L4 H4 E128 T64 B12, AdamW)",
    `${backend}, ${threads} thread${threads === 1 ? "" : "s"}`,
    `${ms.toFixed(0)} ms (${range}), median of ${times.length}`,
    `${(1000 / ms).toFixed(1)}`,
  ];
}

/** Trains the page's default model for PAGE_SECONDS after a second of warm-up; its steps per second. */
async function pageRate(page: Page, url: string, hash: string, title: string): Promise<string[]> {
  await openPage(page, `${url}${hash}`);
  const read = async () =>
    (await page.evaluate(`({ ...document.querySelector(".status").dataset, now: performance.now() })`)) as {
      step: string;
      now: number;
      backend: string;
      parameters?: string;
      error?: string;
    };
  await page.click("button.start");
  await page.waitForTimeout(1000);
  const before = await read();
  await page.waitForTimeout(PAGE_SECONDS * 1000);
  const after = await read();
  await page.click("button.start");
  if (after.error) throw new Error(`${title}: ${after.error}`);
  const rate = (Number(after.step) - Number(before.step)) / ((after.now - before.now) / 1000);
  const parameters = after.parameters ? `, ${Number(after.parameters).toLocaleString("en")} parameters` : "";
  return [
    `lab page "${title}" (${hash}), its default model${parameters}`,
    after.backend,
    "—",
    rate.toFixed(1),
  ];
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "gradstack-bench-browser-"));
  const server = await (async () => {
    await buildLab(join(dir, "site"));
    writeFileSync(join(dir, "site", "bench-gpt.js"), await gptBundle());
    writeFileSync(join(dir, "site", "bench-gpt.html"), `<!doctype html><title>gradstack GPT step</title>`);
    copyFileSync(join(repoRoot, "wasm", "gradstack.wasm"), join(dir, "site", "gradstack.wasm"));
    return serveStatic(join(dir, "site"), "127.0.0.1", 0);
  })();
  const browser = await launchChromium();
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    page.setDefaultTimeout(WAIT_MS * 3);
    const load = loadavg()
      .slice(0, 2)
      .map((l) => l.toFixed(2));
    console.log(
      `${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, \`npm run bench:browser -- --backend=${BACKEND}\``,
    );
    console.log(`Chromium ${browser.version()} (headless, Debian), ${process.platform} ${process.arch}`);
    console.log(
      `${cpus()[0]?.model ?? "unknown CPU"}, ${cpus().length} cores; load average ${load.join(", ")} (1, 5 min) before`,
    );
    const rows = [await gptStep(page, url)];
    await page.goto(url);
    const links = (await page.evaluate(
      `[...document.querySelectorAll("nav a")].map((a) => [a.hash, a.textContent])`,
    )) as [string, string][];
    for (const [hash, title] of links) {
      await page.goto(`${url}${hash}`);
      if ((await page.locator("button.start").count()) === 0) continue; // micrograd: no training loop
      rows.push(await pageRate(page, url, hash, title));
    }
    console.log(`load average ${loadavg()[0].toFixed(2)} after\n`);
    console.log("| workload | backend | time per step | steps/s |\n| --- | --- | --- | --- |");
    for (const row of rows) console.log(`| ${row.join(" | ")} |`);
  } finally {
    await browser.close();
    await new Promise((done) => server.close(done));
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
