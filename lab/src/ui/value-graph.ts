/**
 * The graph of a micrograd expression as SVG, left to right as micrograd's draw_dot draws it: a box per
 * value (its label, data and grad) in a column per depth (leaves at depth 0, each op one deeper than its
 * deepest input), and the op in a circle before it. A layered layout this small needs no layout library:
 * columns by depth, rows ordered by the mean row of the inputs (one barycentre pass) so edges cross less.
 */
import type { micrograd } from "gradstack";

type Value = micrograd.Value;

const BOX_W = 128;
const BOX_H = 52;
const OP_R = 13;
const COL_GAP = 64;
const ROW_GAP = 18;
const PAD = 12;

const SVG = "http://www.w3.org/2000/svg";
function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

export interface NodePosition {
  depth: number;
  row: number;
}

/** Depth and row of every node of `order` (children before parents, as topologicalOrder gives). */
export function layoutByDepth(order: readonly Value[]): Map<Value, NodePosition> {
  const depth = new Map<Value, number>();
  for (const v of order)
    depth.set(v, v.children.length ? 1 + Math.max(...v.children.map((c) => depth.get(c)!)) : 0);
  const columns: Value[][] = [];
  for (const v of order) (columns[depth.get(v)!] ??= []).push(v);
  const positions = new Map<Value, NodePosition>();
  columns.forEach((column, d) => {
    const meanRow = (v: Value) =>
      v.children.length ? v.children.reduce((s, c) => s + positions.get(c)!.row, 0) / v.children.length : 0;
    const sorted = d === 0 ? column : [...column].sort((a, b) => meanRow(a) - meanRow(b));
    sorted.forEach((v, row) => positions.set(v, { depth: d, row }));
  });
  return positions;
}

const fmt = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(4));

interface DrawnNode {
  group: SVGGElement;
  data: SVGTextElement;
  grad: SVGTextElement;
  edges: SVGPathElement[];
}

/** Draws graphs into `parent`; the returned object shows each value's data and grad as they are computed. */
export class ValueGraph {
  private readonly svg: SVGSVGElement;
  private nodes = new Map<Value, DrawnNode>();

  constructor(parent: HTMLElement) {
    this.svg = svg("svg", { class: "value-graph" });
    parent.append(this.svg);
  }

  /** Draws the graph of `order` with data and grad hidden ("?") until shown. */
  draw(order: readonly Value[]): void {
    this.svg.replaceChildren();
    this.nodes.clear();
    const positions = layoutByDepth(order);
    const depths = Math.max(...[...positions.values()].map((p) => p.depth)) + 1;
    const rows = Math.max(...[...positions.values()].map((p) => p.row)) + 1;
    const x = (v: Value) => PAD + 2 * OP_R + positions.get(v)!.depth * (BOX_W + COL_GAP + 2 * OP_R);
    const y = (v: Value) => PAD + positions.get(v)!.row * (BOX_H + ROW_GAP);
    const width = PAD * 2 + depths * (BOX_W + COL_GAP + 2 * OP_R) - COL_GAP;
    const height = PAD * 2 + rows * (BOX_H + ROW_GAP) - ROW_GAP;
    Object.entries({ width, height, viewBox: `0 0 ${width} ${height}` }).forEach(([k, v]) =>
      this.svg.setAttribute(k, String(v)),
    );
    const edgeLayer = svg("g", { class: "edges" });
    this.svg.append(edgeLayer);
    order.forEach((v, index) => {
      const group = svg("g", { class: "node", "data-index": index, "data-label": v.label, "data-op": v.op });
      const [left, top] = [x(v), y(v)];
      group.append(svg("rect", { x: left, y: top, width: BOX_W, height: BOX_H, rx: 6 }));
      const text = (line: number, content: string, cls: string) => {
        const t = svg("text", { x: left + 8, y: top + 16 * line, class: cls });
        t.textContent = content;
        group.append(t);
        return t;
      };
      text(1, v.label || (v.op ? `(${v.op})` : ""), "name");
      const data = text(2, "data ?", "data");
      const grad = text(3, "grad ?", "grad");
      const edges: DrawnNode["edges"] = [];
      if (v.op) {
        const [cx, cy] = [left - OP_R - 4, top + BOX_H / 2];
        group.append(svg("circle", { cx, cy, r: OP_R, class: "op" }));
        const opText = svg("text", { x: cx, y: cy + 4, class: "op-text" });
        opText.textContent = v.op;
        group.append(opText);
        for (const child of v.children) {
          const [x0, y0] = [x(child) + BOX_W, y(child) + BOX_H / 2];
          const [x1, y1] = [cx - OP_R, cy];
          const edge = svg("path", {
            d: `M${x0},${y0} C${(x0 + x1) / 2},${y0} ${(x0 + x1) / 2},${y1} ${x1},${y1}`,
          });
          edgeLayer.append(edge);
          edges.push(edge);
        }
      }
      this.svg.append(group);
      this.nodes.set(v, { group, data, grad, edges });
    });
  }

  showData(v: Value): void {
    const node = this.nodes.get(v)!;
    node.data.textContent = `data ${fmt(v.data)}`;
    node.group.dataset.data = String(v.data);
    this.mark(v, "forward");
  }

  showGrad(v: Value): void {
    const node = this.nodes.get(v)!;
    node.grad.textContent = `grad ${fmt(v.grad)}`;
    node.group.dataset.grad = String(v.grad);
    this.mark(v, "backward");
  }

  /** Highlights `v` (and the edges into it) as the node being computed now. */
  private mark(v: Value, phase: "forward" | "backward"): void {
    for (const [, node] of this.nodes) {
      node.group.classList.remove("active");
      node.edges.forEach((e) => e.classList.remove("active", "forward", "backward"));
    }
    const node = this.nodes.get(v)!;
    node.group.classList.add("active", `${phase}-done`);
    node.edges.forEach((e) => e.classList.add("active", phase));
  }

  clearHighlight(): void {
    for (const [, node] of this.nodes) {
      node.group.classList.remove("active");
      node.edges.forEach((e) => e.classList.remove("active", "forward", "backward"));
    }
  }
}
