/**
 * Training jobs shared by the main thread and worker threads: the corpus is cut into jobs of about
 * `batchWords` words; every runner takes the next job from an atomic counter, so any number of threads
 * (one included) works through the same jobs with the same learning rates and random seeds.
 */
import { makeScratch, trainBatch, type KernelModel, type KernelScratch } from "./kernel.js";
import { instantiateSimd, type WasmMemory } from "./wasm.js";

/** Indices into the control array. */
export const NEXT_JOB = 0;
export const DONE_JOBS = 1;
export const FAILED = 2;

/** Everything a runner needs, all in (possibly shared) typed arrays. */
export interface JobPlan {
  model: KernelModel;
  corpus: Int32Array;
  offsets: Int32Array;
  /** Job j covers sentences [jobStarts[j], jobStarts[j + 1]). */
  jobStarts: Int32Array;
  /** Learning rate of each job of each epoch: epochs × jobs. */
  alphas: Float64Array;
  /** Random seed of each job of each epoch. */
  seeds: Int32Array;
  /** [next job, jobs done, failed flag]. */
  control: Int32Array;
  /** Words kept after subsampling, one slot per runner. */
  effective: Float64Array;
  longestSentence: number;
  /** The WebAssembly memory that holds the model, for the SIMD kernel (null: scalar kernel). */
  memory: WasmMemory | null;
  /** Each runner's scratch buffers in that memory. */
  scratch: KernelScratch["ptr"][];
}

/** Takes jobs until none is left; returns how many it ran. */
export function runJobs(plan: JobPlan, runner: number): number {
  const { model, control, jobStarts, alphas, seeds } = plan;
  const nJobs = jobStarts.length - 1;
  const total = alphas.length;
  const { memory } = plan;
  const scratch = makeScratch(
    model.dim,
    model.negative,
    plan.longestSentence,
    memory,
    plan.scratch[runner] ?? null,
  );
  const simd = memory === null ? null : instantiateSimd(memory);
  let ran = 0;
  for (;;) {
    if (Atomics.load(control, FAILED) !== 0) break;
    const j = Atomics.add(control, NEXT_JOB, 1);
    if (j >= total) break;
    const job = j % nJobs;
    plan.effective[runner] += trainBatch(
      model,
      scratch,
      plan.corpus,
      plan.offsets,
      jobStarts[job],
      jobStarts[job + 1],
      alphas[j],
      seeds[j],
      simd,
    );
    ran++;
    Atomics.add(control, DONE_JOBS, 1);
    Atomics.notify(control, DONE_JOBS);
  }
  return ran;
}
