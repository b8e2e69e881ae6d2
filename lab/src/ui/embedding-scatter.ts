/**
 * A 2-D embedding drawn as it trains: each character at its point. The axes follow the points with some
 * lag (a smoothed bound), so that the movement of the points shows rather than a rescaling every frame.
 */
const VOWELS = new Set("aeiou");

export class EmbeddingScatter {
  readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private bound = 0;

  constructor(
    parent: HTMLElement,
    private readonly size = 320,
  ) {
    this.canvas = Object.assign(document.createElement("canvas"), {
      className: "embedding",
      width: size,
      height: size,
    });
    this.ctx = this.canvas.getContext("2d")!;
    parent.append(this.canvas);
  }

  /** Forgets the axes' bound (a new model). */
  reset(): void {
    this.bound = 0;
  }

  /** Draws `labels[i]` at (xy[2i], xy[2i + 1]). */
  draw(xy: Float32Array, labels: readonly string[]): void {
    let far = 1e-3;
    for (const v of xy) far = Math.max(far, Math.abs(v));
    this.bound = this.bound === 0 ? far * 1.15 : Math.max(far * 1.05, 0.8 * this.bound + 0.2 * far * 1.15);
    const { ctx, size } = this;
    const at = (v: number) => ((v / this.bound + 1) / 2) * size;
    ctx.fillStyle = "white";
    ctx.fillRect(0, 0, size, size);
    ctx.strokeStyle = "#ddd";
    ctx.beginPath();
    ctx.moveTo(size / 2, 0);
    ctx.lineTo(size / 2, size);
    ctx.moveTo(0, size / 2);
    ctx.lineTo(size, size / 2);
    ctx.stroke();
    ctx.font = "bold 15px ui-monospace, monospace";
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    labels.forEach((label, i) => {
      ctx.fillStyle = label === "." ? "#c92a2a" : VOWELS.has(label) ? "#d9480f" : "#1864ab";
      ctx.fillText(label, at(xy[2 * i]), size - at(xy[2 * i + 1]));
    });
    ctx.fillStyle = "#888";
    ctx.font = "11px ui-monospace, monospace";
    ctx.textAlign = "left";
    ctx.fillText(`±${this.bound.toFixed(2)}`, 4, 10);
  }
}
