/**
 * Page: micrograd. The learner writes an expression (or picks one), sees its graph, and runs forward
 * (each value computed, inputs first) then backward (each grad, output first) one node at a time. "Step
 * down" moves every variable against its gradient, a step of gradient descent on the output. Scalars
 * cost microseconds, so this page needs no worker.
 */
import { micrograd } from "gradstack";
import { ValueGraph } from "../ui/value-graph";
import {
  buildGraph,
  expressionCode,
  parseAssignments,
  parseExpression,
  PRESETS,
  variablesOf,
  type Expr,
} from "../tasks/micrograd-expression";

/** Milliseconds per node of the animation. */
const SPEEDS = { slow: 700, normal: 250, fast: 30 } as const;

const element = <K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text = "") =>
  Object.assign(document.createElement(tag), { className, textContent: text });

function labelled(text: string, input: HTMLInputElement | HTMLSelectElement): HTMLLabelElement {
  const label = element("label", "", text);
  label.append(input);
  return label;
}

export function mountMicrogradPage(root: HTMLElement): () => void {
  const page = element("section", "page page-micrograd");
  page.append(
    element("h2", "", "micrograd: an expression, its graph and its gradients"),
    element(
      "p",
      "blurb",
      "Every value remembers the op and the inputs that made it. Forward computes the values from the " +
        "inputs to the output; backward starts with grad 1 at the output and hands each node's grad to " +
        "its inputs by the chain rule, from the output back to the leaves. A variable used twice gets " +
        "the sum of both paths' gradients.",
    ),
  );
  const preset = element("select", "");
  preset.name = "preset";
  PRESETS.forEach((p, i) => preset.add(new Option(p.name, String(i))));
  const expression = Object.assign(element("input", "expression"), { name: "expression", size: 32 });
  const values = Object.assign(element("input", "values"), { name: "values", size: 40 });
  const speed = element("select", "");
  speed.name = "speed";
  for (const s of Object.keys(SPEEDS)) speed.add(new Option(s, s, false, s === "normal"));
  const lr = Object.assign(element("input", ""), { name: "lr", type: "number", step: "0.01", value: "0.05" });
  const inputs = element("div", "expression-inputs");
  inputs.append(labelled("expression", expression), labelled("values", values), labelled("preset", preset));
  const controls = element("div", "controls");
  const forwardButton = element("button", "forward", "Forward");
  const backwardButton = element("button", "backward", "Backward");
  const descendButton = element("button", "descend", "Step down");
  const status = element("span", "status");
  controls.append(
    forwardButton,
    backwardButton,
    descendButton,
    labelled("learning rate", lr),
    labelled("speed", speed),
    status,
  );
  const error = element("div", "expression-error");
  const graphBox = element("div", "graph-box");
  const code = element("pre", "code");
  page.append(inputs, controls, error, graphBox, element("h3", "", "The gradstack code of this graph"), code);
  root.append(page);
  const graph = new ValueGraph(graphBox);

  let tree: Expr | null = null;
  let output: micrograd.Value | null = null;
  let order: micrograd.Value[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let descents = 0;

  const setPhase = (phase: string) => {
    status.dataset.phase = phase;
    status.dataset.output = output ? String(output.data) : "";
    status.dataset.descents = String(descents);
    status.textContent =
      output && phase !== "idle"
        ? `output ${output.data.toFixed(4)} · ${phase}${descents ? ` · ${descents} steps down` : ""}`
        : phase;
  };

  /** Shows the nodes of `sequence` one per tick, then calls `done`. */
  const animate = (sequence: micrograd.Value[], show: (v: micrograd.Value) => void, done: () => void) => {
    clearTimeout(timer);
    let i = 0;
    const tick = () => {
      if (i < sequence.length) {
        show(sequence[i++]);
        timer = setTimeout(tick, SPEEDS[speed.value as keyof typeof SPEEDS]);
      } else {
        graph.clearHighlight();
        done();
      }
    };
    tick();
  };

  /** Parses the inputs and draws the graph (values not shown yet); false with a message on bad input. */
  const rebuild = (): boolean => {
    clearTimeout(timer);
    try {
      tree = parseExpression(expression.value);
      const given = parseAssignments(values.value);
      output = buildGraph(tree, given);
      order = micrograd.topologicalOrder(output);
      code.textContent = expressionCode(tree, given);
      error.textContent = "";
      delete error.dataset.error;
      graph.draw(order);
      return true;
    } catch (e) {
      output = null;
      error.textContent = (e as Error).message;
      error.dataset.error = (e as Error).message;
      return false;
    }
  };

  const forward = (then?: () => void) => {
    if (!rebuild()) return setPhase("idle");
    setPhase("forward");
    animate(order, (v) => graph.showData(v), then ?? (() => setPhase("forward done")));
  };

  const backward = () => {
    if (!output) return;
    micrograd.zeroGrad(order);
    output.backward();
    setPhase("backward");
    animate(
      [...order].reverse(),
      (v) => graph.showGrad(v),
      () => setPhase("done"),
    );
  };

  const loadPreset = () => {
    const p = PRESETS[Number(preset.value)];
    expression.value = p.expression;
    values.value = p.values;
    descents = 0;
    if (rebuild()) setPhase("idle");
  };

  /** data -= lr * grad for each variable, then the new graph forward and backward at once. */
  const descend = () => {
    if (!tree || !output) return;
    if (status.dataset.phase !== "done") {
      micrograd.zeroGrad(order);
      output.backward();
    }
    const step = Number(lr.value);
    const leaves = new Map(order.filter((v) => v.op === "" && v.label).map((v) => [v.label, v]));
    values.value = variablesOf(tree)
      .map(
        (name) =>
          `${name} = ${Number((leaves.get(name)!.data - step * leaves.get(name)!.grad).toPrecision(6))}`,
      )
      .join(", ");
    descents++;
    if (!rebuild()) return setPhase("idle");
    output!.backward();
    for (const v of order) {
      graph.showData(v);
      graph.showGrad(v);
    }
    graph.clearHighlight();
    setPhase("done");
  };

  preset.onchange = loadPreset;
  expression.onchange = values.onchange = () => {
    descents = 0;
    if (rebuild()) setPhase("idle");
  };
  forwardButton.onclick = () => forward();
  backwardButton.onclick = () => (status.dataset.phase === "forward done" ? backward() : forward(backward));
  descendButton.onclick = descend;
  loadPreset();

  return () => {
    clearTimeout(timer);
    page.remove();
  };
}
