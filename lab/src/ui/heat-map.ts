/** A matrix of numbers as coloured cells on a canvas (white for 0, dark for the largest), labels optional. */
export interface HeatMapOptions {
  /** Pixels per cell. */
  cell: number;
  /** Row and column labels, drawn in a margin on the left and top. */
  rowLabels?: readonly string[];
  columnLabels?: readonly string[];
  /** Writes each cell's value in it (when the cells are big enough to read). */
  showValues?: boolean;
  /** Colour of the largest value, as r, g, b. */
  colour?: readonly [number, number, number];
  /** Colours cell values by this function of the value instead of value / max (e.g. a log scale). */
  scale?: (value: number, max: number) => number;
}

const MARGIN = 16;

export class HeatMap {
  readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;

  constructor(parent: HTMLElement, className: string) {
    this.canvas = Object.assign(document.createElement("canvas"), { className: `heat-map ${className}` });
    this.ctx = this.canvas.getContext("2d")!;
    parent.append(this.canvas);
  }

  /** Draws `values` (rows × cols, row by row). */
  draw(values: ArrayLike<number>, rows: number, cols: number, opts: HeatMapOptions): void {
    const { cell, colour = [24, 100, 171], scale = (v: number, max: number) => v / max } = opts;
    const margin = opts.rowLabels ? MARGIN : 0;
    this.canvas.width = margin + cols * cell;
    this.canvas.height = margin + rows * cell;
    const ctx = this.ctx;
    ctx.fillStyle = "white";
    ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    let max = 0;
    for (let i = 0; i < rows * cols; i++) max = Math.max(max, values[i]);
    ctx.font = `${Math.min(11, cell - 2)}px ui-monospace, monospace`;
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < cols; c++) {
        const v = values[r * cols + c];
        const t = max > 0 ? Math.max(0, Math.min(1, scale(v, max))) : 0;
        ctx.fillStyle = `rgb(${colour.map((k) => Math.round(255 + (k - 255) * t)).join(",")})`;
        ctx.fillRect(margin + c * cell, margin + r * cell, cell, cell);
        if (opts.showValues && v > 0) {
          ctx.fillStyle = t > 0.5 ? "white" : "#333";
          ctx.fillText(String(v), margin + (c + 0.5) * cell, margin + (r + 0.5) * cell);
        }
      }
    ctx.fillStyle = "#555";
    opts.rowLabels?.forEach((label, r) => ctx.fillText(label, MARGIN / 2, margin + (r + 0.5) * cell));
    opts.columnLabels?.forEach((label, c) => ctx.fillText(label, margin + (c + 0.5) * cell, MARGIN / 2));
  }
}
