/**
 * The occupancy report of a GPT training step on the webgpu device: the step is recorded once (after a
 * warm-up step; not submitted unless `--submit`, so SwiftShader can record shapes it could never run) and
 * each kernel specialisation listed with its dispatches, workgroups × workgroup size = threads, the
 * longest serial loop of a thread, and the bytes and FLOPs its dispatches touch (from each kernel
 * module's work description, src/backend/webgpu/work.ts). Flags: fewer than 8192 threads or 264
 * workgroups (two per SM of an H200), or a loop over 1024 iterations. Nothing here is timed.
 *   node build/bench/webgpu-occupancy.js --swiftshader --preset=gpu-recipe
 *   node build/bench/webgpu-occupancy.js --swiftshader --preset=gpt2-small --batch=4 --flagged
 */
import { backendFor } from "../src/tensor/device.js";
import type { WebGpuBackend } from "../src/backend/webgpu/backend.js";
import {
  FEW_GROUPS,
  FEW_THREADS,
  LONG_LOOP,
  recordOccupancy,
  type OccupancyRow,
} from "../src/backend/webgpu/occupancy.js";
import { probeDevice } from "../src/backend/webgpu/probe.js";
import { benchArgs } from "./args.js";
import { GPU_OPTIONS, initBenchGpu } from "./webgpu-init.js";
import { collectGarbage, gpuGptStep } from "./webgpu-gpt-step.js";
import { GPT_PRESETS, type GptPreset } from "./webgpu-presets.js";

const { options } = benchArgs({
  usage: "node build/bench/webgpu-occupancy.js [options]",
  options: {
    ...GPU_OPTIONS,
    preset: {
      type: "list",
      default: "gpu-recipe,gpt2-small",
      choices: Object.keys(GPT_PRESETS),
      description: "the GPT shapes",
    },
    batch: { type: "integer", description: "batch size (default: the preset's)" },
    dropout: { type: "number", default: 0, description: "dropout" },
    flagged: { type: "boolean", description: "list only the flagged specialisations" },
    submit: { type: "boolean", description: "submit the recorded step too (by default it is only recorded)" },
  },
});
await initBenchGpu(options);
const submit = options.submit;
const onlyFlagged = options.flagged;
const dropout = options.dropout;
// SwiftShader's buffers stop at 1 GiB: GPT-2-small's logits at B8 (1.6 GB) are recorded at a smaller batch.
const batchFlag = options.batch;
const presets = options.preset as GptPreset[];
const device = (backendFor("webgpu") as WebGpuBackend).context.device;

async function record(name: GptPreset): Promise<OccupancyRow[]> {
  const { batch: presetBatch, ...shape } = GPT_PRESETS[name];
  const batch = batchFlag ?? presetBatch;
  const { step, ctx } = gpuGptStep({ ...shape, dropout }, batch, 1337);
  const probe = probeDevice(device, { count: false, submit });
  try {
    step(); // the optimizer's state and the pipelines are made in the first step
    if (submit) await ctx.sync();
    collectGarbage();
    await new Promise((r) => setTimeout(r, 0));
    const recording = recordOccupancy(ctx);
    step();
    return recording.stop();
  } finally {
    probe.remove();
  }
}

const si = (x: number, unit: string) => {
  const steps: [number, string][] = [
    [1e12, "T"],
    [1e9, "G"],
    [1e6, "M"],
    [1e3, "k"],
  ];
  for (const [v, p] of steps) if (x >= v) return `${(x / v).toFixed(x >= 10 * v ? 0 : 1)} ${p}${unit}`;
  return `${x} ${unit}`;
};

console.log(
  `flags: few threads < ${FEW_THREADS}, few groups < ${FEW_GROUPS}, long loop > ${LONG_LOOP} (dispatches of ≤ 64 iterations and < 1 MiB are not flagged)`,
);
for (const name of presets) {
  const p = { ...GPT_PRESETS[name], ...(batchFlag === undefined ? {} : { batch: batchFlag }) };
  const rows = await record(name);
  const total = (k: "dispatches" | "bytes" | "flops") => rows.reduce((s, r) => s + r[k], 0);
  console.log(
    `\n${name} (L${p.nLayer} H${p.nHead} E${p.nEmbd} T${p.blockSize} B${p.batch} V${p.vocabSize}, dropout ${dropout}): ` +
      `${total("dispatches")} dispatches, ${si(total("bytes"), "B")}, ${si(total("flops"), "FLOP")}; ` +
      `${rows.filter((r) => r.flags.length > 0).length} of ${rows.length} specialisations flagged\n`,
  );
  console.log("| kernel | dispatches | workgroups × size = threads | loop | bytes | FLOPs | flags |");
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | --- |");
  for (const r of rows) {
    if (onlyFlagged && r.flags.length === 0) continue;
    console.log(
      `| ${r.kernel} | ${r.dispatches} | ${r.groups} × ${r.groupSize} = ${r.threads} | ${r.loop} | ` +
        `${si(r.bytes, "B")} | ${r.flops === 0 ? "" : si(r.flops, "FLOP")} | ${r.flags.join(", ")} |`,
    );
  }
}
process.exit(0);
