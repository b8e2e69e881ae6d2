/**
 * ‖∂L/∂h_t‖ against t on a log scale, drawn by uPlot as the loss chart is: a straight falling line is a
 * gradient that vanishes geometrically with the distance to the loss, a rising one explodes.
 */
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export class NormsChart {
  private readonly plot: uPlot;

  constructor(parent: HTMLElement, width = 320, height = 180) {
    this.plot = new uPlot(
      {
        width,
        height,
        legend: { show: false },
        cursor: { show: false },
        scales: { x: { time: false }, y: { distr: 3 } }, // distr 3: logarithmic
        axes: [
          { label: "time step t" },
          {
            label: "‖∂L/∂h_t‖",
            size: 60,
            values: (_, ticks) => ticks.map((t: number | null) => (t === null ? "" : t.toExponential(0))),
          },
        ],
        series: [
          {},
          { label: "gradient norm", stroke: "#1864ab", width: 1.5, points: { show: true, size: 4 } },
        ],
      },
      [[], []],
      parent,
    );
  }

  draw(norms: readonly number[]): void {
    // A log scale cannot show 0: an underflowed gradient is drawn at the smallest float32 instead.
    this.plot.setData([norms.map((_, t) => t), norms.map((n) => Math.max(n, 1e-38))]);
  }

  destroy(): void {
    this.plot.destroy();
  }
}
