/**
 * Attention patterns as heat maps, one per layer (row) and head (column): cell (i, j) is how much the
 * character at position i attends to the one at position j (white 0 … dark blue 1).
 */
import type { GPTView } from "../tasks/gpt-task";

/** Pixels across all the heads of one layer. */
const ROW_WIDTH = 460;

export function attentionMaps(parent: HTMLElement): (view: GPTView) => void {
  const caption = Object.assign(document.createElement("p"), { className: "caption" });
  const grid = Object.assign(document.createElement("div"), { className: "attention" });
  parent.append(caption, grid);
  return ({ prompt, maps }) => {
    caption.textContent = `Attention for the prompt "${prompt}": row i shows where character i looks (left: the start).`;
    const heads = maps[0]?.length ?? 0;
    const size = Math.min(200, Math.floor(ROW_WIDTH / Math.max(1, heads)) - 8);
    if (grid.childElementCount !== maps.length * heads) {
      grid.replaceChildren();
      grid.style.gridTemplateColumns = `repeat(${heads}, ${size}px)`;
      maps.forEach((layer, l) =>
        layer.forEach((_, h) => {
          const figure = document.createElement("figure");
          const canvas = Object.assign(document.createElement("canvas"), { width: size, height: size });
          const label = Object.assign(document.createElement("figcaption"), {
            textContent: `layer ${l} · head ${h}`,
          });
          figure.append(canvas, label);
          grid.append(figure);
        }),
      );
    }
    const canvases = grid.querySelectorAll("canvas");
    maps.flat().forEach((weights, i) => draw(canvases[i], weights));
  };
}

function draw(canvas: HTMLCanvasElement, weights: Float32Array): void {
  const T = Math.round(Math.sqrt(weights.length));
  const cells = document.createElement("canvas");
  cells.width = cells.height = T;
  const cellsCtx = cells.getContext("2d")!;
  const image = cellsCtx.createImageData(T, T);
  weights.forEach((w, i) => {
    // White → dark blue; √w so that small weights still show.
    const t = Math.sqrt(Math.max(0, Math.min(1, w)));
    image.data.set([255 - 247 * t, 255 - 207 * t, 255 - 148 * t, 255], 4 * i);
  });
  cellsCtx.putImageData(image, 0, 0);
  const ctx = canvas.getContext("2d")!;
  ctx.imageSmoothingEnabled = false; // sharp cells
  ctx.drawImage(cells, 0, 0, canvas.width, canvas.height);
}
