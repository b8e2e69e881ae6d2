/** Page (d): inside a recurrent cell: gates and hidden state over time, gradients through time, samples. */
import { SEED_FIELD, learningRateField, batchField } from "../ui/settings-form";
import { element, mountTrainingPage } from "../ui/training-page";
import { characterRuler, heatMap, type HeatMapData } from "../ui/time-heat-map";
import { NormsChart } from "../ui/norms-chart";
import { GATE_NAMES, RNN_DEFAULTS, type RNNCell } from "../tasks/rnn-settings";
import { rnnCode } from "../tasks/rnn-code";
import type { RNNView } from "../tasks/rnn-task";
import { textUpload } from "../ui/text-upload";

/** Gates that a sigmoid squashes into [0, 1]; the candidates (tanh) and h are in [-1, 1]. */
const isSigmoid = (name: string) => !name.startsWith("g ") && !name.startsWith("n ");

function rnnView(parent: HTMLElement): (view: RNNView) => void {
  const caption = element("p", "caption");
  const maps = element("div", "cell-maps");
  const normsBox = element("div", "norms");
  const sample = element("pre", "samples");
  parent.append(
    caption,
    maps,
    element("h3", "", "Gradients through time"),
    normsBox,
    element("h3", "", "Sample"),
    sample,
  );
  const norms = new NormsChart(normsBox);
  let drawn: { cell: RNNCell; draw: ((data: HeatMapData) => void)[]; ruler: (text: string) => void } | null =
    null;
  return (view) => {
    const cell: RNNCell = view.gates.length === 4 ? "lstm" : view.gates.length === 3 ? "gru" : "rnn";
    if (drawn?.cell !== cell) {
      maps.replaceChildren();
      const ruler = characterRuler(maps);
      const draw = [...GATE_NAMES[cell], "h (hidden state)"].map((name) => heatMap(maps, name));
      drawn = { cell, draw, ruler };
    }
    const steps = [...view.probe].length;
    const units = view.hidden.length / steps;
    caption.textContent =
      `Layer 0 over "${view.probe}": a column per character, a row per hidden unit (the first 32); ` +
      "blue is positive (a gate open), red negative.";
    drawn.ruler(view.probe);
    const names = GATE_NAMES[cell];
    view.gates.forEach((values, g) =>
      drawn!.draw[g]({ values, steps, units, range: isSigmoid(names[g]) ? "unit" : "signed" }),
    );
    drawn.draw[view.gates.length]({ values: view.hidden, steps, units, range: "signed" });
    norms.draw(view.gradNorms);
    sample.textContent = view.sample;
  };
}

export function mountRNNPage(root: HTMLElement): () => void {
  return mountTrainingPage(root, {
    task: "rnn",
    title: "Recurrent networks: inside an RNN, an LSTM and a GRU",
    blurb:
      "A recurrent model reads text one character at a time and predicts the next. The heat maps show its " +
      "gates and hidden state while it reads the probe text; the chart shows how strongly the loss of the " +
      "probe's last character reaches back to each earlier step (‖∂L/∂h_t‖, log scale): a straight " +
      "falling line is a gradient that vanishes geometrically with the distance. Compare the plain RNN " +
      "with the LSTM, whose forget gate can carry it further.",
    fields: [
      { key: "corpus", label: "text", options: ["timemachine", "shakespeare"] },
      { key: "cell", label: "cell", options: ["lstm", "gru", "rnn"] },
      { key: "embedDim", label: "embedding", min: 2, max: 64 },
      { key: "hidden", label: "hidden", min: 4, max: 256 },
      learningRateField(1),
      batchField(128),
      { key: "seqLen", label: "window", min: 2, max: 128 },
      { key: "probe", label: "probe text", text: true },
      SEED_FIELD,
    ],
    defaults: RNN_DEFAULTS,
    code: rnnCode,
    view: rnnView,
    tools: textUpload,
  });
}
