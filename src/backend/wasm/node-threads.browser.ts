/**
 * The wasm backend's threads in a browser (package.json's "browser" map puts this file in place of
 * node-threads.ts): Web Workers, each made from a Blob holding `parkWorker`'s source (so no bundler
 * needs to find a worker file) and handed the module and the shared memory by postMessage. Only a
 * worker may have threads: the calling thread waits for a job's end on memory.atomic.wait32, which a
 * page's main thread may not do; there the backend runs on one thread.
 */
import type * as NodeThreads from "./node-threads.js";
import { clampThreads, parkWorker, startWorkers } from "./threads.js";

/** Whether this thread may block on an atomic wait (workers may; a window's main thread may not). */
interface BrowserGlobals {
  document?: unknown;
  navigator?: { hardwareConcurrency?: number };
  Worker: new (
    url: string,
    options: { name: string },
  ) => {
    onerror: ((e: { message: string }) => void) | null;
    postMessage(message: unknown): void;
  };
}
const browser = globalThis as unknown as BrowserGlobals;

function mayWait(): boolean {
  return browser.document === undefined;
}

export const wasmThreadCount: typeof NodeThreads.wasmThreadCount = () =>
  mayWait() ? clampThreads(browser.navigator?.hardwareConcurrency ?? 1) : 1;

let workerUrl: string | null = null;

export const startThreads: typeof NodeThreads.startThreads = (module, wasm, threads) => {
  if (!mayWait()) threads = 1;
  workerUrl ??= URL.createObjectURL(
    new Blob([`onmessage = (event) => (${parkWorker.toString()})(event.data);`], { type: "text/javascript" }),
  );
  const url = workerUrl;
  startWorkers(module, wasm, threads, (start, failed) => {
    const worker = new browser.Worker(url, { name: `gradstack wasm thread ${start.tid}` });
    worker.onerror = (e) => {
      failed();
      console.warn(`gradstack: a wasm worker thread failed: ${e.message}`);
    };
    worker.postMessage(start);
  });
};
