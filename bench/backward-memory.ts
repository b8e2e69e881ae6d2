/**
 * Peak resident memory of backward: `node build/bench/backward-memory.js chain|gpt|gptlarge`.
 * `chain`: a 40-layer chain of 2048×1024 float32 activations (mul, tanh), then backward; prints how
 * far backward raised the process's peak above the forward pass's. `gpt`/`gptlarge`: 20 training
 * steps of bench/gpt.ts's configurations; prints the process's peak. One process per run, so the peak
 * is that workload's own.
 */
import * as gs from "../src/index.js";
import { GPT_CONFIGS, gptStep } from "./gpt.js";
import { benchArgs } from "./args.js";

const { positionals } = benchArgs({
  usage: "node build/bench/backward-memory.js [WORKLOAD]",
  positionals: [
    {
      name: "WORKLOAD",
      description: "chain: a 40-layer chain; the GPT configurations: 20 training steps",
      choices: ["chain", ...Object.keys(GPT_CONFIGS)],
      default: "chain",
    },
  ],
  options: {},
});
const peakMiB = () => process.resourceUsage().maxRSS / 1024;
const which = positionals[0];

if (which === "chain") {
  gs.manualSeed(0);
  const x = gs.randn([2048, 1024]).requiresGrad_();
  let h = x;
  for (let i = 0; i < 40; i++) h = h.mul(1.01).tanh();
  const loss = h.sum();
  const forward = peakMiB();
  loss.backward();
  console.log(
    `chain (40 layers, 8 MiB activations) on ${gs.backend().name}: peak ${forward.toFixed(0)} MiB after ` +
      `forward, +${(peakMiB() - forward).toFixed(0)} MiB in backward`,
  );
} else if (which in GPT_CONFIGS) {
  const step = gptStep(which as keyof typeof GPT_CONFIGS);
  for (let s = 0; s < 20; s++) step();
  console.log(`${which} on ${gs.backend().name}: peak ${peakMiB().toFixed(0)} MiB after 20 steps`);
} else {
  throw new Error(
    `backward-memory: unknown workload ${which}; expected chain, ${Object.keys(GPT_CONFIGS).join(", ")}`,
  );
}
