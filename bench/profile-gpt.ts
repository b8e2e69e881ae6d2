/** Where a GPT training step spends its time, by op class (the breakdown BENCHMARKS.md records). */
import * as gs from "../src/index.js";

const CLASSES: [RegExp, string][] = [
  [/^matmul/, "matmul (forward and backward)"],
  [/^causalAttention/, "fused causal attention"],
  [/^(softmax|crossEntropy)/, "softmax / cross-entropy"],
  [/^layerNorm/, "layerNorm"],
  [/^gelu/, "GELU"],
  [/^(unary|binary|where)/, "elementwise"],
  [/^(reduce|argReduce)/, "reductions"],
  [/^(copy|cast)/, "copies and casts"],
  [/^(indexSelect|indexAdd|gather|scatterAdd)/, "embedding gather / scatter"],
  [/^adam/, "AdamW (fused kernel)"],
];

export function profileGpt(steps = 10): { name: string; ms: number; share: number }[] {
  gs.manualSeed(0);
  const model = new gs.models.GPT({
    nLayer: 4,
    nHead: 4,
    nEmbd: 128,
    blockSize: 64,
    vocabSize: 65,
    dropout: 0,
    bias: false,
  });
  const opt = model.configureOptimizers({ weightDecay: 0.1, lr: 1e-3, betas: [0.9, 0.99] });
  const x = gs.randint(0, 65, [12, 64]);
  const y = gs.randint(0, 65, [12, 64]);
  let optMs = 0;
  const step = () => {
    const { loss } = model.forward(x, y);
    opt.zeroGrad();
    loss!.backward();
    const t0 = performance.now();
    opt.step();
    optMs += performance.now() - t0;
  };
  for (let i = 0; i < 3; i++) step();
  optMs = 0;
  const { kernels, wallMs } = gs.profileKernels(() => {
    for (let i = 0; i < steps; i++) step();
  });
  const totals = new Map<string, number>();
  let kernelMs = 0;
  for (const [name, s] of kernels) {
    const cls = CLASSES.find(([re]) => re.test(name))?.[1] ?? name;
    totals.set(cls, (totals.get(cls) ?? 0) + s.ms);
    kernelMs += s.ms;
  }
  const adamKernel = totals.get("AdamW (fused kernel)") ?? 0;
  totals.set("AdamW (TypeScript loop)", Math.max(0, optMs - adamKernel));
  totals.set(
    "ops, autograd and allocation (outside kernels)",
    Math.max(0, wallMs - kernelMs - (optMs - adamKernel)),
  );
  return [...totals.entries()]
    .map(([name, ms]) => ({ name, ms: ms / steps, share: ms / wallMs }))
    .filter((r) => r.ms > 0.005)
    .sort((a, b) => b.ms - a.ms);
}
