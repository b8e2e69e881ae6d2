/**
 * The hidden neurons, as TensorFlow Playground draws them: one small map per neuron of what it outputs
 * over the plane (orange negative, white 0, blue positive), a row per hidden layer.
 */
import type { PlaygroundView } from "../tasks/playground-task";
import { NEURON_GRID } from "../tasks/playground-settings";
import { colour } from "./boundary-canvas";

/** Pixels per side of a neuron's map. */
const MAP_SIZE = 36;

export function neuronMaps(parent: HTMLElement): (view: PlaygroundView) => void {
  const heading = Object.assign(document.createElement("h3"), { textContent: "Hidden neurons" });
  const box = Object.assign(document.createElement("div"), { className: "neurons" });
  parent.append(heading, box);
  // Each map is drawn at the grid's resolution, then scaled up smoothly.
  const cells = Object.assign(document.createElement("canvas"), { width: NEURON_GRID, height: NEURON_GRID });
  const cellsCtx = cells.getContext("2d")!;
  const image = cellsCtx.createImageData(NEURON_GRID, NEURON_GRID);
  const area = NEURON_GRID * NEURON_GRID;

  const draw = (canvas: HTMLCanvasElement, values: Float32Array) => {
    values.forEach((a, i) => {
      const [r, g, b] = colour((Math.max(-1, Math.min(1, a)) + 1) / 2);
      image.data.set([r, g, b, 255], 4 * i);
    });
    cellsCtx.putImageData(image, 0, 0);
    const ctx = canvas.getContext("2d")!;
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(cells, 0, 0, MAP_SIZE, MAP_SIZE);
  };

  return ({ neurons }) => {
    heading.hidden = neurons.length === 0;
    while (box.childElementCount > neurons.length) box.lastElementChild!.remove();
    neurons.forEach((maps, layer) => {
      const row =
        (box.children[layer] as HTMLElement | undefined) ??
        box.appendChild(Object.assign(document.createElement("div"), { className: "neuron-row" }));
      const width = maps.length / area;
      while (row.childElementCount > width) row.lastElementChild!.remove();
      while (row.childElementCount < width)
        row.append(Object.assign(document.createElement("canvas"), { width: MAP_SIZE, height: MAP_SIZE }));
      [...row.children].forEach((canvas, k) =>
        draw(canvas as HTMLCanvasElement, maps.subarray(k * area, (k + 1) * area)),
      );
    });
  };
}
