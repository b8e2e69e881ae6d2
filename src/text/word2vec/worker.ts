/** A word2vec training thread: runs jobs over the shared model until none is left (see jobs.ts). */
import { workerData, type MessagePort } from "node:worker_threads";
import { FAILED, DONE_JOBS, runJobs, type JobPlan } from "./jobs.js";

const { plan, runner, port } = workerData as { plan: JobPlan; runner: number; port: MessagePort };
try {
  runJobs(plan, runner);
} catch (e) {
  // The main thread is blocked in Atomics.wait: raise the flag, then leave the message on the port.
  port.postMessage(e instanceof Error ? (e.stack ?? e.message) : String(e));
  Atomics.store(plan.control, FAILED, 1);
  Atomics.notify(plan.control, DONE_JOBS);
} finally {
  port.close();
}
