/**
 * The 2-D data sets of TensorFlow Playground, in [-1, 1]², drawn from a seeded generator: four with two
 * classes (classification), two with a value in [-1, 1] per point (regression).
 */
export type Dataset2D = "spiral" | "circles" | "xor" | "gaussians" | "plane" | "bumps";

export const DATASETS_2D: readonly Dataset2D[] = ["spiral", "circles", "xor", "gaussians", "plane", "bumps"];

/** The regression sets: a tilted plane, and a bump up beside a bump down. */
export const isRegression = (dataset: string): boolean => dataset === "plane" || dataset === "bumps";

export interface Points2D {
  /** x0, y0, x1, y1, ... */
  xy: Float32Array;
  /** 0 or 1 per point (for a regression set: whether its value is positive). */
  labels: Int32Array;
  /** A regression set's value per point, in [-1, 1]. */
  values?: Float32Array;
}

/** The value of a regression set at (x, y). */
function regressionValue(dataset: Dataset2D, x: number, y: number): number {
  if (dataset === "plane") return clamp(0.7 * x + 0.5 * y);
  const bump = (cx: number, cy: number) => Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / 0.18);
  return bump(0.4, 0.35) - bump(-0.4, -0.35);
}

/** mulberry32: a small seeded generator, so that a data set is the same on every reset. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` points of `dataset` with Gaussian noise of standard deviation `noise` (in data units). */
export function makePoints(dataset: Dataset2D, n: number, noise: number, seed = 1): Points2D {
  const rand = seededRandom(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const xy = new Float32Array(2 * n);
  const labels = new Int32Array(n);
  if (isRegression(dataset)) {
    const values = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const [x, y] = [2 * rand() - 1, 2 * rand() - 1];
      values[i] = regressionValue(dataset, x, y);
      labels[i] = values[i] > 0 ? 1 : 0;
      xy[2 * i] = clamp(x + noise * gauss());
      xy[2 * i + 1] = clamp(y + noise * gauss());
    }
    return { xy, labels, values };
  }
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    let x: number;
    let y: number;
    if (dataset === "spiral") {
      const r = (i >> 1) / (n >> 1); // 0 .. 1 along each arm
      const angle = 1.75 * 2 * Math.PI * r + label * Math.PI;
      [x, y] = [0.9 * r * Math.sin(angle), 0.9 * r * Math.cos(angle)];
    } else if (dataset === "circles") {
      const r = label === 0 ? 0.45 * rand() : 0.65 + 0.3 * rand();
      const angle = 2 * Math.PI * rand();
      [x, y] = [r * Math.sin(angle), r * Math.cos(angle)];
    } else if (dataset === "xor") {
      [x, y] = [2 * rand() - 1, 2 * rand() - 1];
      // Keep a margin around the axes so that the classes are separable, as the Playground does.
      x += x > 0 ? 0.05 : -0.05;
      y += y > 0 ? 0.05 : -0.05;
      labels[i] = x * y > 0 ? 0 : 1;
      xy[2 * i] = clamp(x + noise * gauss());
      xy[2 * i + 1] = clamp(y + noise * gauss());
      continue;
    } else {
      const centre = label === 0 ? 0.45 : -0.45;
      [x, y] = [centre + 0.2 * gauss(), centre + 0.2 * gauss()];
    }
    labels[i] = label;
    xy[2 * i] = clamp(x + noise * gauss());
    xy[2 * i + 1] = clamp(y + noise * gauss());
  }
  return { xy, labels };
}

const clamp = (v: number) => Math.max(-1, Math.min(1, v));
