/**
 * Hidden states and gates over time as a heat map (heat-map.ts draws count tables): values in [-1, 1] as red (negative) … white (0) … blue (positive),
 * or in [0, 1] as white … blue. Rows of the canvas are the matrix's columns (hidden units) and columns
 * are its rows (time steps), so time runs left to right as the text does.
 */
export interface HeatMapData {
  /** (steps, units) row-major. */
  values: Float32Array;
  steps: number;
  units: number;
  /** [0, 1] (a sigmoid gate) or [-1, 1] (tanh, the hidden state). */
  range: "unit" | "signed";
}

/** Units drawn at most: more would be too thin to see. */
const MAX_UNITS = 32;

function colour(v: number, range: HeatMapData["range"]): [number, number, number] {
  const t = Math.max(range === "unit" ? 0 : -1, Math.min(1, v));
  if (t >= 0) return [255 - 247 * t, 255 - 175 * t, 255 - 120 * t];
  return [255 + 40 * t, 255 + 200 * t, 255 + 200 * t];
}

/** A titled canvas; returns what draws a matrix into it. */
export function heatMap(parent: HTMLElement, title: string, width = 320): (data: HeatMapData) => void {
  const figure = Object.assign(document.createElement("figure"), { className: "heat-map" });
  const canvas = Object.assign(document.createElement("canvas"), { width, height: 64 });
  const caption = Object.assign(document.createElement("figcaption"), { textContent: title });
  figure.append(canvas, caption);
  parent.append(figure);
  const cells = document.createElement("canvas");
  return ({ values, steps, units, range }) => {
    const shown = Math.min(units, MAX_UNITS);
    cells.width = steps;
    cells.height = shown;
    const ctx = cells.getContext("2d")!;
    const image = ctx.createImageData(steps, shown);
    for (let u = 0; u < shown; u++)
      for (let t = 0; t < steps; t++) {
        image.data.set([...colour(values[t * units + u], range), 255], 4 * (u * steps + t));
      }
    ctx.putImageData(image, 0, 0);
    canvas.height = shown * Math.max(2, Math.floor(160 / shown));
    const out = canvas.getContext("2d")!;
    out.imageSmoothingEnabled = false; // sharp cells
    out.drawImage(cells, 0, 0, canvas.width, canvas.height);
  };
}

/** The characters under a heat map's columns, one per time step. */
export function characterRuler(parent: HTMLElement, width = 320): (text: string) => void {
  const ruler = Object.assign(document.createElement("div"), { className: "ruler" });
  ruler.style.width = `${width}px`;
  parent.append(ruler);
  return (text) => {
    ruler.replaceChildren(
      ...[...text].map((ch) =>
        Object.assign(document.createElement("span"), { textContent: ch === " " ? "␣" : ch }),
      ),
    );
  };
}
