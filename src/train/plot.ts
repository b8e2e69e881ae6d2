/** Loss curves as a standalone SVG image (no dependencies; opens in any browser or image viewer). */

export interface Series {
  name: string;
  points: [number, number][];
  color?: string;
}

const COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"];

function niceTicks(lo: number, hi: number, count = 5): number[] {
  const span = hi - lo || 1;
  const step = 10 ** Math.floor(Math.log10(span / count));
  const mult = [1, 2, 5, 10].find((m) => span / (m * step) <= count) ?? 10;
  const s = mult * step;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / s) * s; v <= hi + 1e-12; v += s) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** An SVG line chart of the series (x: step, y: loss) with axes, ticks and a legend. */
export function lossCurveSvg(
  series: Series[],
  opts: { title?: string; xLabel?: string; yLabel?: string } = {},
): string {
  const W = 720;
  const H = 420;
  const m = { l: 60, r: 20, t: 40, b: 50 };
  const all = series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const [x0, x1] = all.length ? [Math.min(...xs), Math.max(...xs)] : [0, 1];
  const [y0, y1] = all.length ? [Math.min(...ys), Math.max(...ys)] : [0, 1];
  const sx = (x: number) => m.l + ((x - x0) / (x1 - x0 || 1)) * (W - m.l - m.r);
  const sy = (y: number) => H - m.b - ((y - y0) / (y1 - y0 || 1)) * (H - m.t - m.b);
  const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${esc(opts.title ?? "loss")}</text>`,
  ];
  for (const t of niceTicks(y0, y1)) {
    parts.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${sy(t)}" y2="${sy(t)}" stroke="#eee"/>`);
    parts.push(`<text x="${m.l - 6}" y="${sy(t) + 4}" text-anchor="end">${t}</text>`);
  }
  for (const t of niceTicks(x0, x1))
    parts.push(`<text x="${sx(t)}" y="${H - m.b + 18}" text-anchor="middle">${t}</text>`);
  parts.push(`<line x1="${m.l}" x2="${m.l}" y1="${m.t}" y2="${H - m.b}" stroke="black"/>`);
  parts.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${H - m.b}" y2="${H - m.b}" stroke="black"/>`);
  parts.push(`<text x="${W / 2}" y="${H - 12}" text-anchor="middle">${esc(opts.xLabel ?? "step")}</text>`);
  parts.push(
    `<text transform="translate(16 ${H / 2}) rotate(-90)" text-anchor="middle">${esc(opts.yLabel ?? "loss")}</text>`,
  );
  series.forEach((s, i) => {
    const color = s.color ?? COLORS[i % COLORS.length];
    const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    if (pts.length > 0)
      parts.push(
        `<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${pts.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(" ")}"/>`,
      );
    if (pts.length < 40)
      for (const [x, y] of pts) parts.push(`<circle cx="${sx(x)}" cy="${sy(y)}" r="2.5" fill="${color}"/>`);
    const ly = m.t + 10 + i * 16;
    parts.push(
      `<line x1="${W - m.r - 110}" x2="${W - m.r - 90}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"/>`,
    );
    parts.push(`<text x="${W - m.r - 84}" y="${ly + 4}">${esc(s.name)}</text>`);
  });
  parts.push("</svg>");
  return parts.join("\n");
}
