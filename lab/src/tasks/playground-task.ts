/**
 * TensorFlow Playground on gradstack: an MLP classifies 2-D points; full-batch Adam on cross-entropy.
 * The view is the model's probability of class 1 on a grid over [-1, 1]², the decision boundary.
 */
import * as gs from "gradstack";
import type { Task } from "./task";
import { makePoints, type Points2D } from "./points-2d";
import { NEURON_GRID, type PlaygroundSettings } from "./playground-settings";
import { place, type TaskDevice } from "./device-twin";

/** Points of each generated data set. */
export const POINTS = 300;
/** The boundary grid is GRID × GRID cells over [-1, 1]². */
export const GRID = 48;

export interface PlaygroundView {
  /** P(class 1) per grid cell, row by row from y = 1 (top) to y = -1. */
  grid: Float32Array;
  /** Fraction of the points classified correctly. */
  accuracy: number;
  points: Points2D;
  /** Per hidden layer: its neurons' activations over the neuron grid, (width, NEURON_GRID²) row-major. */
  neurons: Float32Array[];
}

const ACTIVATIONS = { tanh: gs.nn.Tanh, relu: gs.nn.ReLU, sigmoid: gs.nn.Sigmoid };

/** Linear(2, w), act, (Linear(w, w), act) × (layers - 1), Linear(w, 2): logits of the two classes. */
export function buildMLP(s: PlaygroundSettings): gs.nn.Sequential {
  const layers: gs.nn.Module[] = [];
  let inputs = 2;
  for (let i = 0; i < s.hiddenLayers; i++) {
    layers.push(new gs.nn.Linear(inputs, s.width), new ACTIVATIONS[s.activation]());
    inputs = s.width;
  }
  layers.push(new gs.nn.Linear(inputs, 2));
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
    const probs = gs.softmax(model.forward(grids.boundary) as gs.Tensor, -1).select(1, 1);
    const predicted = (model.forward(x) as gs.Tensor).argmax(1).dataSync();
    let correct = 0;
    for (let i = 0; i < n; i++) if (predicted[i] === points.labels[i]) correct++;
    return {
      grid: Float32Array.from(probs.dataSync()),
      accuracy: correct / n,
      points,
      neurons: hiddenActivations(model, grids.neurons),
    };
  });
}

/** With `device` "webgpu" the model and points train on the GPU and the view is drawn from a CPU twin. */
export function playgroundTask(s: PlaygroundSettings, device?: TaskDevice): Task<PlaygroundView> {
  gs.manualSeed(s.seed);
  const points = playgroundPoints(s);
  const n = points.labels.length;
  const x = gs.tensor(points.xy).reshape([n, 2]);
  const y = gs.tensor(points.labels, { dtype: "int32" });
  const placed = place(buildMLP(s), device, () => buildMLP(s));
  const { model } = placed;
  const [xHere, yHere] = [placed.here(x), placed.here(y)];
  const grids = { boundary: gridPoints(GRID), neurons: gridPoints(NEURON_GRID) };
  const optimizer = new gs.optim.Adam(model.parameters(), { lr: s.lr });
  return {
    parameters: model.numParameters(),
    device,
    step() {
      const loss = gs.nn.functional.crossEntropy(model.forward(xHere) as gs.Tensor, yHere);
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      return loss.detach();
    },
    view: async () => playgroundView(await placed.onHost(), grids, x, points),
  };
}
