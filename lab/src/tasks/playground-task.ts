/**
 * TensorFlow Playground on gradstack: an MLP classifies 2-D points (full-batch Adam on cross-entropy) or
 * fits a value per point (regression: mean squared error). The view is the model's probability of class 1
 * (or its value, mapped from [-1, 1]) on a grid over [-1, 1]², and each hidden neuron's output there.
 */
import * as gs from "gradstack";
import type { Task } from "./task";
import { isRegression, makePoints, type Points2D } from "./points-2d";
import { NEURON_GRID, type PlaygroundSettings } from "./playground-settings";
import { place, type TaskDevice } from "./device-twin";

/** Points of each generated data set. */
export const POINTS = 300;
/** The boundary grid is GRID × GRID cells over [-1, 1]². */
export const GRID = 48;

export interface PlaygroundView {
  /** P(class 1) per grid cell (regression: (value + 1) / 2), row by row from y = 1 (top) to y = -1. */
  grid: Float32Array;
  /** Fraction of the points classified correctly; for regression, the mean squared error instead. */
  accuracy?: number;
  meanSquaredError?: number;
  points: Points2D;
  /** Per hidden layer: its neurons' activations over the neuron grid, (width, NEURON_GRID²) row-major. */
  neurons: Float32Array[];
}

const ACTIVATIONS = { tanh: gs.nn.Tanh, relu: gs.nn.ReLU, sigmoid: gs.nn.Sigmoid };

/**
 * Linear(2, w), act, (Linear(w, w), act) × (layers - 1), then Linear(w, 2): logits of the two classes, or
 * Linear(w, 1): the value, for a regression set.
 */
export function buildMLP(s: PlaygroundSettings): gs.nn.Sequential {
  const layers: gs.nn.Module[] = [];
  let inputs = 2;
  for (let i = 0; i < s.hiddenLayers; i++) {
    layers.push(new gs.nn.Linear(inputs, s.width), new ACTIVATIONS[s.activation]());
    inputs = s.width;
  }
  layers.push(new gs.nn.Linear(inputs, isRegression(s.dataset) ? 1 : 2));
  return new gs.nn.Sequential(...layers);
}

/** The cell centres of an n × n grid over [-1, 1]² as a (n², 2) tensor, top row first. */
function gridPoints(n: number): gs.Tensor {
  const xy = new Float32Array(n * n * 2);
  for (let row = 0; row < n; row++)
    for (let col = 0; col < n; col++) {
      const i = row * n + col;
      xy[2 * i] = -1 + (2 * col + 1) / n;
      xy[2 * i + 1] = 1 - (2 * row + 1) / n;
    }
  return gs.tensor(xy).reshape([n * n, 2]);
}

/** What each hidden neuron outputs (after its activation) at each point of `grid`, layer by layer. */
function hiddenActivations(model: gs.nn.Sequential, grid: gs.Tensor): Float32Array[] {
  const maps: Float32Array[] = [];
  let h = grid;
  for (const layer of model) {
    h = layer.forward(h) as gs.Tensor;
    if (!(layer instanceof gs.nn.Linear))
      maps.push(Float32Array.from(h.transpose(0, 1).contiguous().dataSync()));
  }
  return maps;
}

/** The uploaded points as they are, or a generated set. */
function playgroundPoints(s: PlaygroundSettings): Points2D {
  if (s.dataset !== "csv") return makePoints(s.dataset, POINTS, s.noise, s.seed);
  if (!s.csv) throw new Error("choose a CSV file to train on your own data");
  return s.csv;
}

/** P(class 1) on the boundary grid and the accuracy on the points, from `model` on the CPU. */
function playgroundView(
  model: gs.nn.Sequential,
  grids: { boundary: gs.Tensor; neurons: gs.Tensor },
  x: gs.Tensor,
  points: Points2D,
): PlaygroundView {
  const n = points.labels.length;
  return gs.noGrad(() => {
    const neurons = hiddenActivations(model, grids.neurons);
    if (points.values) {
      const fit = (model.forward(grids.boundary) as gs.Tensor).squeeze(1).clamp(-1, 1).add(1).div(2);
      const predicted = (model.forward(x) as gs.Tensor).squeeze(1);
      const meanSquaredError = gs.nn.functional.mseLoss(predicted, gs.tensor(points.values)).item() as number;
      return { grid: Float32Array.from(fit.dataSync()), meanSquaredError, points, neurons };
    }
    const probs = gs.softmax(model.forward(grids.boundary) as gs.Tensor, -1).select(1, 1);
    const predicted = (model.forward(x) as gs.Tensor).argmax(1).dataSync();
    let correct = 0;
    for (let i = 0; i < n; i++) if (predicted[i] === points.labels[i]) correct++;
    return {
      grid: Float32Array.from(probs.dataSync()),
      accuracy: correct / n,
      points,
      neurons,
    };
  });
}

/** With `device` "webgpu" the model and points train on the GPU and the view is drawn from a CPU twin. */
export function playgroundTask(s: PlaygroundSettings, device?: TaskDevice): Task<PlaygroundView> {
  gs.manualSeed(s.seed);
  const points = playgroundPoints(s);
  const n = points.labels.length;
  const x = gs.tensor(points.xy).reshape([n, 2]);
  const y = points.values ? gs.tensor(points.values) : gs.tensor(points.labels, { dtype: "int32" });
  const lossOf = points.values
    ? (out: gs.Tensor, target: gs.Tensor) => gs.nn.functional.mseLoss(out.squeeze(1), target)
    : gs.nn.functional.crossEntropy;
  const placed = place(buildMLP(s), device, () => buildMLP(s));
  const { model } = placed;
  const [xHere, yHere] = [placed.here(x), placed.here(y)];
  const grids = { boundary: gridPoints(GRID), neurons: gridPoints(NEURON_GRID) };
  const optimizer = new gs.optim.Adam(model.parameters(), { lr: s.lr });
  return {
    parameters: model.numParameters(),
    device,
    step() {
      const loss = lossOf(model.forward(xHere) as gs.Tensor, yHere);
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      return loss.detach();
    },
    view: async () => playgroundView(await placed.onHost(), grids, x, points),
  };
}
