/** PyTorch-style printing: `tensor([[ 1.0000, -2.0000], ...], requires_grad=True)`. */
import type { Tensor } from "./tensor.js";
import { backendOf } from "./device.js";
import { fmtShape } from "./shape.js";

const THRESHOLD = 1000; // summarise tensors with more elements than this
const EDGE = 3; // elements kept at each end of a summarised dim
const LINE_WIDTH = 80;

function floatFormatter(values: number[]): (v: number) => string {
  const finite = values.filter(Number.isFinite);
  const allInts = finite.every((v) => Number.isInteger(v));
  const abs = finite.map(Math.abs).filter((v) => v > 0);
  const max = abs.length ? Math.max(...abs) : 0;
  const min = abs.length ? Math.min(...abs) : 0;
  const special = (v: number) => (Number.isNaN(v) ? "nan" : v > 0 ? "inf" : "-inf");
  if (allInts && max < 1e8) return (v) => (Number.isFinite(v) ? `${v.toFixed(0)}.` : special(v));
  const sci = max > 1e8 || (min > 0 && min < 1e-4) || (min > 0 && max / min > 1000);
  return (v) => {
    if (!Number.isFinite(v)) return special(v);
    if (!sci) return v.toFixed(4);
    const [m, e] = v.toExponential(4).split("e");
    const exp = Number(e);
    return `${m}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  };
}

/** The indices shown along a dim of `size` (all, or the first and last EDGE with a gap marker). */
function shownIndices(size: number, summarise: boolean): (number | null)[] {
  if (!summarise || size <= 2 * EDGE) return Array.from({ length: size }, (_, i) => i);
  return [
    ...Array.from({ length: EDGE }, (_, i) => i),
    null,
    ...Array.from({ length: EDGE }, (_, i) => size - EDGE + i),
  ];
}

export function formatTensor(t: Tensor): string {
  // Values on a device the host cannot read synchronously are not shown (await t.data() reads them).
  if (t.device !== "cpu" && !backendOf(t).hostVisible)
    return `tensor(<${t.numel()} values>, shape=${fmtShape(t.shape)}, dtype=${t.dtype}, device='${t.device}')`;
  const prefix = "tensor(";
  const summarise = t.numel() > THRESHOLD;
  const at = (idx: number[]) => t.storage[t.offset + idx.reduce((o, v, d) => o + v * t.strides[d], 0)];

  // Collect the shown values first so that every element gets the same width.
  const shown: number[] = [];
  const collect = (idx: number[]) => {
    if (idx.length === t.ndim) return void shown.push(at(idx));
    for (const i of shownIndices(t.shape[idx.length], summarise)) if (i !== null) collect([...idx, i]);
  };
  collect([]);
  const fmt =
    t.dtype === "bool"
      ? (v: number) => (v ? "True" : "False")
      : t.dtype === "int32"
        ? (v: number) => String(v)
        : floatFormatter(shown);
  const width = Math.max(0, ...shown.map((v) => fmt(v).length));
  const cell = (v: number) => fmt(v).padStart(width);

  const render = (idx: number[], indent: number): string => {
    const d = idx.length;
    if (d === t.ndim) return cell(at(idx));
    const items = shownIndices(t.shape[d], summarise).map((i) =>
      i === null ? "..." : render([...idx, i], indent + 1),
    );
    if (d === t.ndim - 1) {
      const perLine = Math.max(1, Math.floor((LINE_WIDTH - indent) / (width + 2)));
      const lines: string[] = [];
      for (let i = 0; i < items.length; i += perLine) lines.push(items.slice(i, i + perLine).join(", "));
      return `[${lines.join(",\n" + " ".repeat(indent + 1))}]`;
    }
    const sep = "," + "\n".repeat(t.ndim - d - 1) + " ".repeat(indent + 1);
    return `[${items.join(sep)}]`;
  };

  const body = t.ndim === 0 ? fmt(at([])) : t.numel() === 0 ? "[]" : render([], prefix.length);
  const extras: string[] = [];
  if (t.numel() === 0 && t.ndim > 1) extras.push(`size=(${t.shape.join(", ")})`);
  if (t.device !== "cpu") extras.push(`device='${t.device}'`);
  if (t.dtype === "float64") extras.push("dtype=float64");
  if (t.gradFn !== null) extras.push(`grad_fn=<${t.gradFn.name}>`);
  else if (t.requiresGrad) extras.push("requires_grad=True");
  return `${prefix}${body}${extras.map((e) => ", " + e).join("")})`;
}
