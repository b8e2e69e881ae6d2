/**
 * A thread of the wasm backend's pool in Node (a worker_thread started by node-threads.ts): it joins
 * the pool (threads.ts `parkWorker`) and never returns.
 */
import { workerData } from "node:worker_threads";

import { parkWorker, type WorkerStart } from "./threads.js";

parkWorker(workerData as WorkerStart);
