/**
 * `npm run bench:browser [-- --backend=wasm --threads=2 --steps=10 --seconds=5 --only=gpt,lstm,mlp]`:
 * gradstack's speed in headless Debian chromium, the browser the lab's tests drive, beside TensorFlow.js's
 * wasm backend in the same run. Prints the chromium version and the CPU, the time `WebAssembly.compile`
 * takes for each wasm module (gradstack's four variants and TensorFlow.js's three, on the page, each
 * compiled once), then one Markdown table:
 * - the GPT, char-LSTM and MLP training steps of `npm run bench` (bench/gpt.ts, lstm.ts, mlp.ts) in a
 *   Web Worker on `--backend`: wasm (default: `gs.wasm.init`, with `--threads` threads, default
 *   hardwareConcurrency, choosing among the variants as the lab does, or `--wasm-module=FILE`), cpu-js,
 *   or another name (`await gs.<name>.init()`), checked against gs.backend();
 * - with the wasm backend, the same step in Node on the same module and threads (bench/browser-node.ts;
 *   `--no-node`: none), and chromium's time over Node's;
 * - each step's TensorFlow.js twin (bench/tfjs-steps.ts; tfjs-core and tfjs-backend-wasm) in a Web Worker
 *   with the same threads, saying whether it got SIMD and threads (`--no-tfjs`: none);
 * - the steps/s of each lab page's default model while the page trains it (every page with a Start
 *   button, found in the lab's navigation), on the backend its worker picks (`--no-pages`: none).
 * `--profile`: gradstack's steps through gs.profileKernels instead (one figure: the mean of the timed
 * steps), each followed by its kernels' ms per step (wall clock), to set beside `node
 * build/bench/profile-step.js gpt --wall` in Node. `--js-flags=...`: V8 flags for chromium (e.g.
 * `--js-flags=--no-liftoff` to compile every wasm function with TurboFan at once).
 * The page is cross-origin isolated (the lab's server sends COOP/COEP), so both wasm backends may use
 * threads. No test: the figures depend on the machine and its load.
 */
import { cpus, loadavg } from "node:os";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import type { Page } from "playwright-core";
import { buildLab, serveStatic } from "../src/cli/commands/lab.js";
import { WASM_FILES } from "../src/backend/wasm/variants.js";
import { launchChromium, openPage, WAIT_MS } from "../test/helpers/lab-browser.js";
import { nodeWasmStep } from "./browser-node.js";
import { gradstackWorker, tfjsWasmDir, tfjsWorker, type StepReply } from "./browser-workers.js";
import { compileTimesLine, type CompileTime } from "./wasm-compile.js";
import { workload } from "./workloads.js";
import { benchArgs } from "./args.js";

const { options } = benchArgs({
  usage: "npm run bench:browser [-- options]",
  options: {
    backend: {
      type: "string",
      default: "wasm",
      description:
        "gradstack's backend in the worker: wasm, cpu-js, or another name (await gs.<name>.init())",
    },
    threads: {
      type: "integer",
      description: "threads of both wasm backends' workers (default: chromium's hardwareConcurrency)",
    },
    steps: { type: "integer", default: 10, description: "timed steps of each workload" },
    seconds: { type: "number", default: 5, description: "seconds each lab page trains for its rate" },
    only: {
      type: "list",
      default: "gpt,lstm,mlp",
      choices: ["gpt", "lstm", "mlp"],
      description: "workloads",
    },
    "wasm-module": {
      type: "list",
      default: WASM_FILES.join(","),
      value: "FILE,...",
      description: "the wasm modules gs.wasm.init chooses among",
    },
    "no-node": { type: "boolean", description: "no Node twin of the wasm rows" },
    "no-tfjs": { type: "boolean", description: "no TensorFlow.js rows" },
    "no-pages": { type: "boolean", description: "no lab page rates" },
    profile: {
      type: "boolean",
      description: "gradstack's steps through gs.profileKernels, with each kernel's ms",
    },
    "js-flags": {
      type: "string",
      value: "FLAGS",
      description: "V8 flags for chromium (--js-flags=--no-liftoff)",
    },
  },
});
const BACKEND = options.backend;
const STEPS = options.steps;
const WARMUP = 3;
const PAGE_SECONDS = options.seconds;
const ONLY = options.only;
const TFJS = !options["no-tfjs"];
const PAGES = !options["no-pages"];
/** Threads of both wasm backends' workers (default: chromium's hardwareConcurrency). */
const THREADS = options.threads;
const NODE = BACKEND === "wasm" && !options["no-node"];
const PROFILE = options.profile;
const JS_FLAGS = options["js-flags"] ?? "";
/** The wasm modules gs.wasm.init chooses among (default: every variant, as the lab's worker). */
const WASM_MODULES = options["wasm-module"];

const TITLES: Record<string, string> = {
  gpt: "GPT step, nanoGPT CPU recipe (L4 H4 E128 T64 B12, AdamW)",
  lstm: "char-LSTM step (E64 H256 T64 B32, Adam)",
  mlp: "MLP step (784-256-10, B128, Adam)",
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Runs `message` in a fresh Web Worker made from `script` on the page; its reply. */
async function inWorker(page: Page, script: string, message: object): Promise<StepReply> {
  const reply = (await page.evaluate(`new Promise((resolve) => {
    const worker = new Worker(${JSON.stringify(script)});
    worker.onmessage = (e) => { resolve(e.data); worker.terminate(); };
    worker.onerror = (e) => resolve({ error: "worker error: " + e.message });
    worker.postMessage(${JSON.stringify(message)});
  })`)) as StepReply;
  if (reply.error !== undefined) throw new Error(`${script} failed: ${reply.error}`);
  return reply;
}

/** A table row from a worker's reply; the median time for the comparison line. */
function stepRow(id: string, r: StepReply): { row: string[]; ms: number; reply: StepReply } {
  const ms = median(r.times);
  const digits = ms < 10 ? 1 : 0;
  const range = `${Math.min(...r.times).toFixed(digits)}–${Math.max(...r.times).toFixed(digits)}`;
  return {
    row: [
      TITLES[id] ?? id,
      `${r.backend}, ${r.threads} thread${r.threads === 1 ? "" : "s"}`,
      `${ms.toFixed(digits)} ms (${range}), median of ${r.times.length}`,
      `${(1000 / ms).toFixed(1)}`,
    ],
    ms,
    reply: r,
  };
}

/** A step's kernels (`--profile`): ms and calls per step, the largest first, and the time outside them. */
function kernelTable(id: string, r: StepReply): string[] {
  const steps = STEPS;
  const inKernels = (r.kernels ?? []).reduce((sum, k) => sum + k[2], 0) / steps;
  return [
    `${id} on ${r.backend}: ms per step (of ${r.times[0].toFixed(1)}) by kernel`,
    ...(r.kernels ?? [])
      .filter((k) => k[2] / steps >= 0.05)
      .map(
        ([name, calls, ms]) =>
          `  ${name.padEnd(28)} ${(ms / steps).toFixed(2).padStart(8)} ms ${String(Math.round(calls / steps)).padStart(6)} calls`,
      ),
    `  ${"outside kernels".padEnd(28)} ${(r.times[0] - inKernels).toFixed(2).padStart(8)} ms`,
  ];
}

/** WebAssembly.compile of each module, on the page (a fresh renderer: nothing compiled them before). */
async function compileTimes(page: Page, url: string, files: string[]): Promise<CompileTime[]> {
  await page.goto(`${url}bench.html`);
  return (await page.evaluate(`(async () => {
    const out = [];
    for (const file of ${JSON.stringify(files)}) {
      const bytes = await (await fetch(file)).arrayBuffer();
      const t0 = performance.now();
      await WebAssembly.compile(bytes);
      out.push({ file: file.split("/").pop(), bytes: bytes.byteLength, ms: performance.now() - t0 });
    }
    return out;
  })()`)) as CompileTime[];
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
  const site = join(dir, "site");
  await buildLab(site);
  writeFileSync(join(site, "bench-gradstack.js"), await gradstackWorker());
  writeFileSync(join(site, "bench-tfjs.js"), await tfjsWorker());
  writeFileSync(join(site, "bench.html"), `<!doctype html><title>gradstack bench</title>`);
  mkdirSync(join(site, "tfjs"));
  const tfjsFiles = readdirSync(tfjsWasmDir()).filter((f) => f.endsWith(".wasm"));
  for (const file of tfjsFiles) copyFileSync(join(tfjsWasmDir(), file), join(site, "tfjs", file));
  const server = await serveStatic(site, "127.0.0.1", 0);
  const browser = await launchChromium(JS_FLAGS ? [`--js-flags=${JS_FLAGS}`] : []);
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    page.setDefaultTimeout(WAIT_MS * 20);
    const load = loadavg()
      .slice(0, 2)
      .map((l) => l.toFixed(2));
    const args = process.argv.slice(2).join(" ");
    console.log(
      `${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, \`npm run bench:browser${args ? ` -- ${args}` : ""}\``,
    );
    console.log(`Chromium ${browser.version()} (headless, Debian), ${process.platform} ${process.arch}`);
    console.log(
      `${cpus()[0]?.model ?? "unknown CPU"}, ${cpus().length} cores; load average ${load.join(", ")} (1, 5 min) before`,
    );
    const compiled = await compileTimes(page, url, [
      ...WASM_FILES.map((f) => `wasm/${f}`),
      ...tfjsFiles.map((f) => `tfjs/${f}`),
    ]);
    console.log(`WebAssembly.compile in chromium: ${compileTimesLine(compiled)}`);
    const rows: string[][] = [];
    const speedups: string[] = [];
    const kernelLines: string[] = [];
    const versusNode: string[] = [];
    for (const id of ONLY) {
      const common = { workload: id, threads: THREADS };
      const ours = stepRow(
        id,
        await inWorker(page, "bench-gradstack.js", {
          ...common,
          backendName: BACKEND,
          wasmFiles: WASM_MODULES,
          profile: PROFILE,
          warmup: WARMUP,
          steps: STEPS,
        }),
      );
      rows.push(ours.row);
      if (PROFILE) kernelLines.push(...kernelTable(id, ours.reply));
      if (NODE && !PROFILE) {
        const relaxed = ours.reply.backend.includes("relaxed");
        const node = stepRow(id, nodeWasmStep(id, ours.reply.threads, relaxed, WARMUP, STEPS));
        rows.push(node.row);
        versusNode.push(`${id} ${(ours.ms / node.ms).toFixed(2)}×`);
      }
      const counts = workload(id).tfjs;
      if (!TFJS || counts === undefined) continue;
      const steps = Math.min(STEPS, counts.steps);
      const theirs = stepRow(
        id,
        await inWorker(page, "bench-tfjs.js", {
          ...common,
          warmup: counts.warm,
          steps,
          wasmPath: `${url}tfjs/`,
        }),
      );
      rows.push(theirs.row);
      speedups.push(`${id} ${(theirs.ms / ours.ms).toFixed(1)}×`);
    }
    if (PAGES) {
      await page.goto(url);
      const links = (await page.evaluate(
        `[...document.querySelectorAll("nav a")].map((a) => [a.hash, a.textContent])`,
      )) as [string, string][];
      page.setDefaultTimeout(WAIT_MS * 3);
      for (const [hash, title] of links) {
        await page.goto(`${url}${hash}`);
        if ((await page.locator("button.start").count()) === 0) continue; // micrograd: no training loop
        rows.push(await pageRate(page, url, hash, title));
      }
    }
    console.log(`load average ${loadavg()[0].toFixed(2)} after\n`);
    console.log("| workload | backend | time per step | steps/s |\n| --- | --- | --- | --- |");
    for (const row of rows) console.log(`| ${row.join(" | ")} |`);
    if (kernelLines.length > 0) console.log(`\n${kernelLines.join("\n")}`);
    if (versusNode.length > 0)
      console.log(`\ngradstack's wasm step time in chromium over the same in Node: ${versusNode.join(", ")}`);
    if (speedups.length > 0)
      console.log(`\ngradstack (${BACKEND}) over TensorFlow.js's wasm: ${speedups.join(", ")}`);
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
