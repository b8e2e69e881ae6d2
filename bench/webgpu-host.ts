/**
 * The host (JavaScript) side of a GPT training step on the webgpu device: the time from the step's start
 * until its last command buffer is submitted (forward, backward, clipping, AdamW; nothing waits for the
 * GPU), and what the step asks of the device: dispatches, compute passes, encoders, submits, bind groups
 * and buffers created, parameter uploads. Shapes: nanoGPT's shakespeare_char GPU recipe and GPT-2 small.
 * `--record-only` drops the command buffers instead of submitting them, so those shapes can be recorded on
 * SwiftShader, which could not run them (the host's work is the same; the GPU's is not measured).
 *   node build/bench/webgpu-host.js --swiftshader --record-only
 *   node build/bench/webgpu-host.js --preset=gpu-recipe --dropout=0   # on a GPU: submits for real
 * `--profile=FILE` writes a V8 CPU profile (.cpuprofile) of the timed steps only (not the model's setup).
 */
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { backendFor } from "../src/tensor/device.js";
import type { WebGpuBackend } from "../src/backend/webgpu/backend.js";
import { probeDevice, type HostCalls } from "../src/backend/webgpu/probe.js";
import { benchArgs } from "./args.js";
import { GPU_OPTIONS, initBenchGpu } from "./webgpu-init.js";
import { collectGarbage, gpuGptStep } from "./webgpu-gpt-step.js";
import { GPT_PRESETS, type GptPreset } from "./webgpu-presets.js";

const PRESETS = GPT_PRESETS;
type Preset = GptPreset;

const { options } = benchArgs({
  usage: "node build/bench/webgpu-host.js [options]",
  options: {
    ...GPU_OPTIONS,
    "record-only": { type: "boolean", description: "drop the command buffers instead of submitting them" },
    preset: {
      type: "list",
      default: "gpu-recipe,gpt2-small",
      choices: Object.keys(PRESETS),
      description: "the GPT shapes",
    },
    steps: { type: "integer", default: 5, description: "timed steps" },
    warm: { type: "integer", default: 2, min: 0, description: "untimed steps first" },
    dropout: { type: "number", default: 0.2, description: "dropout" },
    profile: {
      type: "string",
      value: "FILE",
      description: "write a V8 CPU profile of the timed steps to FILE-<preset>.cpuprofile",
    },
  },
});
const info = await initBenchGpu(options);
const recordOnly = options["record-only"];
const { steps, warm, dropout } = options;
const presets = options.preset as Preset[];
const profileFile = options.profile;
const device = (backendFor("webgpu") as WebGpuBackend).context.device;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Host ms per step, wall and CPU time of the process's threads (median of `steps`) and the device calls of one step. */
async function measure(name: Preset): Promise<{ ms: number; cpuMs: number; calls: HostCalls }> {
  const { batch, ...shape } = PRESETS[name];
  const { step, ctx } = gpuGptStep({ ...shape, dropout }, batch, 1337);
  const idle = async () => {
    collectGarbage();
    await new Promise((r) => setTimeout(r, 0));
  };
  const settle = async () => {
    // On a GPU the work runs meanwhile; the next step's host time starts from an idle queue.
    if (!recordOnly) await ctx.sync();
    await idle();
  };
  const dropping = probeDevice(device, { count: false, submit: !recordOnly });
  try {
    for (let i = 0; i < warm; i++) {
      step();
      await settle();
    }
    const times: number[] = [];
    const cpu: number[] = [];
    const profiler = profileFile === undefined ? null : await startProfile();
    for (let i = 0; i < steps; i++) {
      const [t0, c0] = [performance.now(), process.cpuUsage()];
      step();
      const c = process.cpuUsage(c0);
      times.push(performance.now() - t0);
      cpu.push((c.user + c.system) / 1000);
      await settle();
    }
    if (profiler !== null)
      await stopProfile(profiler, `${profileFile!.replace(/\.cpuprofile$/, "")}-${name}.cpuprofile`);
    const counting = probeDevice(device);
    step();
    counting.remove();
    await settle();
    return { ms: median(times), cpuMs: median(cpu), calls: counting.calls };
  } finally {
    dropping.remove();
  }
}

async function startProfile(): Promise<Session> {
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 50 });
  await session.post("Profiler.start");
  return session;
}

async function stopProfile(session: Session, file: string): Promise<void> {
  const { profile } = await session.post("Profiler.stop");
  writeFileSync(file, JSON.stringify(profile));
  session.disconnect();
  console.log(`profile of the timed steps: ${file}`);
}

console.log(`${recordOnly ? "record only (nothing submitted)" : "submitted"}, dropout ${dropout}`);
for (const name of presets) {
  const { ms, cpuMs, calls } = await measure(name);
  const p = PRESETS[name];
  console.log(
    `${name} (L${p.nLayer} H${p.nHead} E${p.nEmbd} T${p.blockSize} B${p.batch} V${p.vocabSize}): host ${ms.toFixed(1)} ms/step (CPU ${cpuMs.toFixed(1)} ms); ` +
      Object.entries(calls)
        .map(([k, v]) => `${k} ${v}`)
        .join(", "),
  );
  console.log(
    JSON.stringify({
      bench: "webgpu-host",
      adapter: info,
      preset: name,
      recordOnly,
      dropout,
      ms,
      cpuMs,
      ...calls,
    }),
  );
}
process.exit(0);
