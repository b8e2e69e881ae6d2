/**
 * The decision boundary: P(class 1) per grid cell as colour (orange 0 … blue 1), with the points on top;
 * for regression the model's value and the points' values, in the same colours (orange -1 … blue 1).
 */
import type { PlaygroundView } from "../tasks/playground-task";

const ORANGE = [245, 147, 34];
const BLUE = [8, 119, 189];
const WHITE = [255, 255, 255];

/** Orange → white → blue, as TensorFlow Playground colours its output. */
export function colour(p: number): number[] {
  const [from, t] = p < 0.5 ? [ORANGE, p * 2] : [BLUE, (1 - p) * 2];
  return from.map((c, i) => Math.round(c + (WHITE[i] - c) * t * 0.85));
}

export function boundaryCanvas(parent: HTMLElement, size = 320): (view: PlaygroundView) => void {
  const canvas = Object.assign(document.createElement("canvas"), { width: size, height: size });
  canvas.className = "boundary";
  const accuracy = Object.assign(document.createElement("div"), { className: "accuracy" });
  parent.append(canvas, accuracy);
  const ctx = canvas.getContext("2d")!;
  // The grid is drawn at its own resolution, then scaled up smoothly.
  const cells = document.createElement("canvas");
  const cellsCtx = cells.getContext("2d")!;
  return ({ grid, points, accuracy: acc, meanSquaredError }) => {
    const n = Math.round(Math.sqrt(grid.length));
    cells.width = cells.height = n;
    const image = cellsCtx.createImageData(n, n);
    grid.forEach((p, i) => {
      const [r, g, b] = colour(p);
      image.data.set([r, g, b, 255], 4 * i);
    });
    cellsCtx.putImageData(image, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(cells, 0, 0, size, size);
    for (let i = 0; i < points.labels.length; i++) {
      const x = ((points.xy[2 * i] + 1) / 2) * size;
      const y = ((1 - points.xy[2 * i + 1]) / 2) * size;
      ctx.beginPath();
      ctx.arc(x, y, 3.5, 0, 2 * Math.PI);
      const rgb = points.values ? colour((points.values[i] + 1) / 2) : points.labels[i] === 1 ? BLUE : ORANGE;
      ctx.fillStyle = `rgb(${rgb.join(",")})`;
      ctx.fill();
      ctx.strokeStyle = "white";
      ctx.stroke();
    }
    accuracy.textContent =
      meanSquaredError === undefined
        ? `training accuracy ${(acc! * 100).toFixed(1)}%`
        : `training mean squared error ${meanSquaredError.toFixed(4)}`;
  };
}
