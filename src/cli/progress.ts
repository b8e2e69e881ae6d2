/** A one-line progress bar for the terminal: `[#####.....] 512/1000 loss 1.23 · 4,100 tok/s · ETA 0:42`. */

export interface ProgressOptions {
  width?: number;
  stream?: NodeJS.WriteStream;
  /** Label shown before the bar. */
  label?: string;
}

function fmtTime(seconds: number): string {
  if (!Number.isFinite(seconds)) return "--:--";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}

export class ProgressBar {
  private readonly start = performance.now();
  private lastDraw = 0;
  private readonly stream: NodeJS.WriteStream;
  private readonly width: number;
  private readonly label: string;

  constructor(
    private readonly total: number,
    opts: ProgressOptions = {},
  ) {
    this.stream = opts.stream ?? process.stderr;
    this.width = opts.width ?? 24;
    this.label = opts.label ? opts.label + " " : "";
  }

  /** Redraws (at most 10 times a second unless `force`) with `done` steps finished and extra fields. */
  update(done: number, fields: Record<string, string | number> = {}, force = false): void {
    const now = performance.now();
    // A terminal redraws in place; a log file gets a new line only every few seconds.
    const interval = this.stream.isTTY ? 100 : 5000;
    if (!force && now - this.lastDraw < interval && done < this.total) return;
    this.lastDraw = now;
    const frac = this.total > 0 ? Math.min(1, done / this.total) : 1;
    const filled = Math.round(frac * this.width);
    const elapsed = (now - this.start) / 1000;
    const eta = done > 0 ? (elapsed / done) * (this.total - done) : Infinity;
    const extra = Object.entries(fields)
      .map(([k, v]) => `${k} ${typeof v === "number" ? fmtNumber(v) : v}`)
      .join(" · ");
    const line = `${this.label}[${"#".repeat(filled)}${".".repeat(this.width - filled)}] ${done}/${this.total}${extra ? " " + extra : ""} · ${fmtTime(elapsed)} elapsed · ETA ${fmtTime(eta)}`;
    this.stream.write(this.stream.isTTY ? `\r${line}\x1b[K` : line + "\n");
  }

  /** Finishes the line. */
  done(fields: Record<string, string | number> = {}): void {
    this.update(this.total, fields, true);
    if (this.stream.isTTY) this.stream.write("\n");
  }
}

function fmtNumber(v: number): string {
  if (Number.isInteger(v)) return v.toLocaleString("en-US");
  return Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(4);
}
