// A tiny trainer for the training loop's tests (train-loop, train-health).
import * as gs from "../../src/index.js";
import { Linear } from "../../src/nn/layers/linear.js";
import { SGD } from "../../src/optim/sgd.js";
import type { Optimizer } from "../../src/optim/optimizer.js";
import type { Trainer } from "../../src/train/loop.js";

export type Batch = { x: gs.Tensor; y: gs.Tensor };

/**
 * Linear regression on random batches (drawn from the global RNG, so resuming must restore it);
 * `vals` are the evaluations' numbers, `nanAt` the step whose loss (or gradient) is not finite.
 */
export function regression(
  opts: { vals?: number[]; nanAt?: number; bad?: "loss" | "grad"; msPerStep?: number } = {},
): Trainer<Batch> {
  gs.manualSeed(0);
  const model = new Linear(3, 1);
  const draw = (generator?: gs.Generator): Batch => {
    const x = gs.randn([4, 3], { generator });
    return { x, y: x.sum(1, true) };
  };
  let steps = 0;
  let evals = 0;
  return {
    name: "train test",
    description: "linear regression",
    model,
    optimizer: new SGD(model.parameters(), { lr: 0.05 }) as unknown as Optimizer,
    config: { what: "test" },
    nextBatch: () => draw(),
    // Each epoch's batches come from a generator of its own, so a resumed epoch sees the same ones.
    epochBatches: (epoch) => {
      const g = new gs.Generator(100 + epoch);
      return Array.from({ length: 4 }, () => draw(g));
    },
    loss: ({ x, y }) => {
      const until = performance.now() + (opts.msPerStep ?? 0);
      while (performance.now() < until); // a slow step, for the time budget
      const loss = model.forward(x).sub(y).square().mean();
      if (steps++ !== opts.nanAt) return { loss, tokens: 4 };
      // Step nanAt: a NaN loss, or ("grad") a finite loss whose gradient is infinite (sqrt at 0).
      const w = model.weight;
      return {
        loss: opts.bad === "grad" ? loss.add(w.sub(w.detach()).sqrt().sum()) : loss.mul(NaN),
        tokens: 4,
      };
    },
    evaluate: () => {
      const val = opts.vals ? opts.vals[evals++] : gs.noGrad(() => model.weight.sub(1).square().sum().item());
      return { val, extra: { evals } };
    },
    lr: (iter) => 0.05 / (1 + iter),
  };
}
