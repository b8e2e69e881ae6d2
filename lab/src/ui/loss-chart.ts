/**
 * The loss curve, drawn by uPlot: a canvas chart of about 50 kB made for streaming time series, which
 * redraws thousands of points in a millisecond (Chart.js is four times the size and animates by default).
 */
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

/** Points kept on the chart; beyond it every other point is dropped, so redraws stay cheap. */
const MAX_POINTS = 4000;

export class LossChart {
  private readonly plot: uPlot;
  private steps: number[] = [];
  private losses: number[] = [];

  constructor(parent: HTMLElement, width = 420, height = 220) {
    this.plot = new uPlot(
      {
        width,
        height,
        legend: { show: false },
        cursor: { show: false },
        scales: { x: { time: false } },
        axes: [{ label: "step" }, { label: "loss" }],
        series: [{}, { label: "loss", stroke: "#d9480f", width: 1.5 }],
      },
      [[], []],
      parent,
    );
  }

  /** Appends the losses of steps first, first + 1, ... */
  append(first: number, losses: readonly number[]): void {
    losses.forEach((loss, i) => {
      this.steps.push(first + i);
      this.losses.push(loss);
    });
    if (this.steps.length > MAX_POINTS) {
      this.steps = this.steps.filter((_, i) => i % 2 === 0);
      this.losses = this.losses.filter((_, i) => i % 2 === 0);
    }
    this.plot.setData([this.steps, this.losses]);
  }

  clear(): void {
    this.steps = [];
    this.losses = [];
    this.plot.setData([[], []]);
  }

  destroy(): void {
    this.plot.destroy();
  }
}
