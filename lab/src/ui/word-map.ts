/** Words at 2-D positions (a PCA projection) on a canvas, each a dot with its label, scaled to fit. */
export function wordMap(
  parent: HTMLElement,
  size = 320,
): (words: string[], points: [number, number][]) => void {
  const canvas = Object.assign(document.createElement("canvas"), {
    width: size,
    height: size,
    className: "word-map",
  });
  parent.append(canvas);
  const ctx = canvas.getContext("2d")!;
  return (words, points) => {
    ctx.fillStyle = "white";
    ctx.fillRect(0, 0, size, size);
    if (points.length === 0) return;
    const xs = points.map((p) => p[0]);
    const ys = points.map((p) => p[1]);
    const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    const margin = 36;
    const at = (v: number, lo: number, hi: number) =>
      margin + ((v - lo) / (hi - lo || 1)) * (size - 2 * margin);
    ctx.font = "12px system-ui, sans-serif";
    words.forEach((word, i) => {
      const x = at(points[i][0], x0, x1);
      const y = size - at(points[i][1], y0, y1);
      ctx.fillStyle = "#1864ab";
      ctx.beginPath();
      ctx.arc(x, y, 3, 0, 2 * Math.PI);
      ctx.fill();
      ctx.fillStyle = "#222";
      ctx.fillText(word, x + 5, y - 4);
    });
  };
}
