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
  /** The first update always draws; later ones are rate-limited. */
  private lastDraw = -Infinity;
  /** On a terminal: the cursor stands at the end of the bar, so other output must start a new line. */
  private lineOpen = false;
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
    this.lineOpen = Boolean(this.stream.isTTY);
  }

  /** Finishes the line. */
  done(fields: Record<string, string | number> = {}): void {
    this.update(this.total, fields, true);
    this.endLine();
  }

  /** Moves a terminal's cursor below the bar (the next draw redraws it there). */
  endLine(): void {
    if (this.lineOpen) this.stream.write("\n");
    this.lineOpen = false;
  }
}

/**
 * The progress display of one command run, which `defineCommand` hands to `run`: one bar at a time
 * (a training run, an epoch, an evaluation), and log lines that start below the bar instead of
 * inside it. When the run ends, or fails, the bar's line is ended, so that the next output starts
 * on a line of its own.
 */
export class Progress {
  private bar: ProgressBar | null = null;

  /** Bars are drawn on `stream`; log lines go to stdout. */
  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  /** Starts a new bar of `total` steps, labelled `label`. */
  start(total: number, label: string): void {
    this.end();
    this.bar = new ProgressBar(total, { label, stream: this.stream });
  }

  /** Redraws the bar with `done` steps finished (at most 10 times a second on a terminal). */
  update(done: number, fields: Record<string, string | number> = {}): void {
    this.bar?.update(done, fields);
  }

  /** Draws the bar full and finishes it. */
  done(fields: Record<string, string | number> = {}): void {
    this.bar?.done(fields);
    this.bar = null;
  }

  /** Prints a line (on stdout) below the bar. */
  log(line: string): void {
    this.bar?.endLine();
    console.log(line);
  }

  /** Ends the bar's line. */
  end(): void {
    this.bar?.endLine();
    this.bar = null;
  }

  /**
   * A `(done, total)` callback for work that reports its own progress (translating a test set): it
   * starts a bar labelled `label` on the first call and finishes it when `done` reaches `total`.
   */
  counter(label: string): (done: number, total: number) => void {
    let started = false;
    return (done, total) => {
      if (!started) this.start(total, label);
      started = true;
      if (done < total) this.update(done);
      else this.done();
    };
  }
}

function fmtNumber(v: number): string {
  if (Number.isInteger(v)) return v.toLocaleString("en-US");
  return Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(4);
}
