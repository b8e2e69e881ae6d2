/**
 * Times one workload of bench/workloads.ts on gradstack in this process and prints one JSON line
 * (the format of bench/torch/steps.py): `node build/bench/step.js gpt --steps 20 --warm 5 [--sync]`.
 * `node build/bench/step.js profile` prints the GPT step by op class instead. The thread count is
 * GRADSTACK_NUM_THREADS, read when the native addon loads.
 */
import * as gs from "../src/index.js";
import { nativeInfo } from "../src/backend/native.js";
import { gptStep } from "./gpt.js";
import { lstmStep } from "./lstm.js";
import { mlpStep } from "./mlp.js";
import { sgemmStep } from "./gemm.js";
import { seq2seqStep } from "./seq2seq.js";
import { profileGpt } from "./profile-gpt.js";
import { workload } from "./workloads.js";
import { benchArgs } from "./args.js";

const STEPS: Record<string, () => () => void> = {
  gpt: () => gptStep("gpt"),
  gptlarge: () => gptStep("gptlarge"),
  lstm: lstmStep,
  mlp: mlpStep,
  sgemm: () => sgemmStep(1024),
  seq2seq: seq2seqStep,
};

const { options, positionals } = benchArgs({
  usage: "node build/bench/step.js WORKLOAD [--steps N] [--warm N] [--sync]",
  positionals: [
    {
      name: "WORKLOAD",
      description: "the workload to time, or profile: the GPT step by op class",
      choices: [...Object.keys(STEPS), "profile"],
    },
  ],
  options: {
    steps: { type: "integer", description: "timed steps (default: the workload's; profile: 10)" },
    warm: { type: "integer", min: 0, description: "untimed steps first (default: the workload's)" },
    sync: { type: "boolean", description: "on wasm, never yield to the event loop between steps" },
  },
});
const id = positionals[0];
const be = gs.backend();
const about = {
  framework: "gradstack",
  backend: be.name,
  threads: be.threads,
  kernel:
    be.name === "cpu-native"
      ? (nativeInfo()?.gemmKernel ?? "")
      : be.name === "wasm"
        ? (gs.wasm.info()?.gemmKernel ?? "")
        : "",
};
if (id === "profile") {
  console.log(JSON.stringify({ ...about, workload: id, profile: profileGpt(options.steps ?? 10) }));
} else {
  const w = workload(id);
  const step = STEPS[id]();
  // On wasm the loop lets the event loop turn once between steps (untimed), as the CLI's loop
  // (train/reads.ts) and a page's do: finalization callbacks then give collected tensors' blocks back to
  // the heap. `--sync` times a loop that never yields instead (past its soft limit the heap then stages
  // ordinary arrays around each kernel call: backend/wasm/heap.ts). The CPU backends need no turn.
  const sync = be.name !== "wasm" || options.sync;
  const turn = (): Promise<void> | undefined => (sync ? undefined : new Promise((r) => setImmediate(r)));
  for (let i = options.warm ?? w.warm; i > 0; i--) {
    step();
    await turn();
  }
  const times: number[] = [];
  // The process's CPU time per step too: on a loaded machine it moves far less than the wall time.
  const cpuTimes: number[] = [];
  for (let i = options.steps ?? w.steps; i > 0; i--) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    step();
    times.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpuTimes.push((c.user + c.system) / 1000);
    await turn();
  }
  console.log(JSON.stringify({ ...about, workload: id, times_ms: times, cpu_ms: cpuTimes }));
}
