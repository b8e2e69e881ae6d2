/** 28 × 28 grey digits in a grid on one canvas, each captioned (e.g. "7→1": true digit, prediction). */
const SIDE = 28;
const SCALE = 2;
const CAPTION = 14;

export class DigitGrid {
  readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  /** One digit at its own size, scaled up onto the grid. */
  private readonly small = Object.assign(document.createElement("canvas"), { width: SIDE, height: SIDE });

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
    const ctxSmall = this.small.getContext("2d")!;
    ctx.imageSmoothingEnabled = false;
    ctx.font = "11px ui-monospace, monospace";
    ctx.textAlign = "center";
    captions.forEach((caption, k) => {
      const digit = pixels.subarray(k * SIDE * SIDE, (k + 1) * SIDE * SIDE);
      for (let p = 0; p < digit.length; p++) {
        const ink = 255 - digit[p];
        image.data[4 * p] = image.data[4 * p + 1] = image.data[4 * p + 2] = ink;
        image.data[4 * p + 3] = 255;
      }
      ctxSmall.putImageData(image, 0, 0);
      const [x, y] = [(k % this.columns) * (tile + 4), Math.floor(k / this.columns) * (tile + CAPTION)];
      ctx.drawImage(this.small, x, y, tile, tile);
      ctx.fillStyle = "#c92a2a";
      ctx.fillText(caption, x + tile / 2, y + tile + CAPTION - 3);
    });
  }
}
