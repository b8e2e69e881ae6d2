/**
 * Replays a PyTorch run written by bench/torch/nanogpt_lockstep.py: PyTorch's initial weights and
 * batches, gradstack's arithmetic. Prints both losses every 250 steps, the largest difference, and the
 * final model's exact validation loss beside PyTorch's.
 *   /usr/bin/python3 bench/torch/nanogpt_lockstep.py /tmp/run.json && npm run build:test &&
 *   node build/bench/gpt-replay.js /tmp/run.json
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as gs from "../src/index.js";
import { localTorchDir } from "./util.js";
import { splitLoss } from "../src/train/gpt-train.js";
import { splitTrainVal } from "../src/data/token-windows.js";
import { cosineWithWarmupLr } from "../src/optim/lr-scheduler.js";
import { benchArgs } from "./args.js";

interface Run {
  init: Record<string, number[]>;
  offsets: number[][];
  losses: number[];
  val_full: number;
}

const { positionals } = benchArgs({
  usage: "node build/bench/gpt-replay.js RUN.json",
  positionals: [{ name: "RUN.json", description: "a run written by bench/torch/nanogpt_lockstep.py" }],
  options: {},
});
const file = positionals[0];
const run = JSON.parse(readFileSync(file, "utf8")) as Run;
const text = readFileSync(path.join(localTorchDir, "../../data/tinyshakespeare/input.txt"), "utf8");
const chars = [...new Set(text)].sort(); // PyTorch's vocabulary order: sorted(set(text))
const stoi = new Map(chars.map((c, i) => [c, i]));
const { train, val } = splitTrainVal(Array.from(text, (c) => stoi.get(c)!));
const [B, T] = [run.offsets[0].length, 64];

const model = new gs.models.GPT({
  vocabSize: chars.length,
  blockSize: T,
  nLayer: 4,
  nHead: 4,
  nEmbd: 128,
  dropout: 0,
  bias: false,
});
const shapes = model.stateDict();
model.loadStateDict(
  Object.fromEntries(Object.entries(run.init).map(([k, v]) => [k, gs.tensor(v).reshape(shapes[k].shape)])),
);
const opt = model.configureOptimizers({ weightDecay: 0.1, lr: 1e-3, betas: [0.9, 0.99] });
let maxDiff = 0;
run.offsets.forEach((offsets, it) => {
  const lr = cosineWithWarmupLr(it, { lr: 1e-3, warmupIters: 100, lrDecayIters: 2000, minLr: 1e-4 });
  for (const g of opt.paramGroups) g.lr = lr;
  const x = new Int32Array(B * T);
  const y = new Int32Array(B * T);
  offsets.forEach((i, b) => {
    x.set(train.subarray(i, i + T), b * T);
    y.set(train.subarray(i + 1, i + T + 1), b * T);
  });
  const { loss } = model.forward(new gs.Tensor(x, [B, T]), new gs.Tensor(y, [B, T]));
  loss!.backward();
  gs.nn.utils.clipGradNorm_(model.parameters(), 1.0);
  opt.step();
  opt.zeroGrad();
  maxDiff = Math.max(maxDiff, Math.abs(loss!.item() - run.losses[it]));
  if (it % 250 === 0 || it === run.offsets.length - 1)
    console.log(`step ${it}: gradstack ${loss!.item().toFixed(4)}, PyTorch ${run.losses[it].toFixed(4)}`);
});
console.log(`largest loss difference over ${run.offsets.length} steps: ${maxDiff.toExponential(2)}`);
console.log(
  `exact validation loss: gradstack ${splitLoss(model, val, T).loss.toFixed(4)}, PyTorch ${run.val_full.toFixed(4)}`,
);
