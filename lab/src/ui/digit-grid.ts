/** 28 × 28 grey digits in a grid on one canvas, each captioned (e.g. "7→1": true digit, prediction). */
const SIDE = 28;
const SCALE = 2;
const CAPTION = 14;

export class DigitGrid {
  readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;

  constructor(
    parent: HTMLElement,
    private readonly columns = 8,
  ) {
    this.canvas = Object.assign(document.createElement("canvas"), { className: "digit-grid" });
    this.ctx = this.canvas.getContext("2d")!;
    parent.append(this.canvas);
  }

  /** Draws `captions.length` digits from `pixels` (784 bytes each, 0 = background). */
  draw(pixels: Uint8Array, captions: readonly string[]): void {
    const tile = SIDE * SCALE;
    const rows = Math.max(1, Math.ceil(captions.length / this.columns));
    this.canvas.width = this.columns * (tile + 4);
    this.canvas.height = rows * (tile + CAPTION);
    const ctx = this.ctx;
    ctx.fillStyle = "white";
    ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    const image = ctx.createImageData(SIDE, SIDE);
    const small = Object.assign(document.createElement("canvas"), { width: SIDE, height: SIDE });
    const smallCtx = small.getContext("2d")!;
    ctx.imageSmoothingEnabled = false;
    ctx.font = "11px ui-monospace, monospace";
    ctx.textAlign = "center";
    captions.forEach((caption, k) => {
      for (let p = 0; p < SIDE * SIDE; p++) {
        const ink = 255 - pixels[k * SIDE * SIDE + p];
        image.data.set([ink, ink, ink, 255], 4 * p);
      }
      smallCtx.putImageData(image, 0, 0);
      const [x, y] = [(k % this.columns) * (tile + 4), Math.floor(k / this.columns) * (tile + CAPTION)];
      ctx.drawImage(small, x, y, tile, tile);
      ctx.fillStyle = "#c92a2a";
      ctx.fillText(caption, x + tile / 2, y + tile + CAPTION - 3);
    });
  }
}
