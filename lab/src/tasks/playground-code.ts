/** The gradstack program that the playground's settings describe (what the worker runs, as a script). */
import type { PlaygroundSettings } from "./playground-settings";
import { isRegression } from "./points-2d";

const LAYER = { tanh: "Tanh", relu: "ReLU", sigmoid: "Sigmoid" } as const;

function dataComment(s: PlaygroundSettings): string {
  if (isRegression(s.dataset))
    return `// x: (N, 2) float32 points of the "${s.dataset}" set (noise ${s.noise}), y: (N) float32 values in [-1, 1]`;
  if (s.dataset !== "csv" || !s.csv)
    return `// x: (N, 2) float32 points of the "${s.dataset}" set (noise ${s.noise}), y: (N) int32 labels 0 or 1`;
  const [c0, c1] = s.csv.classes;
  return `// From ${s.csv.name}: x (N, 2) its x and y columns, each scaled to [-0.9, 0.9]; y (N) int32, 0 where
// label is ${c0}, 1 where it is ${c1}
const table = gs.data.parseCsv(await (await fetch("${s.csv.name}")).text());
const column = (name) => table.rows.map((row) => row[table.columns.findIndex((c) => c.toLowerCase() === name)]);
const scaled = (v) => v.map((a) => -0.9 + (1.8 * (a - Math.min(...v))) / (Math.max(...v) - Math.min(...v)));
const [px, py] = [scaled(column("x")), scaled(column("y"))];
const x = gs.tensor(px.map((v, i) => [v, py[i]]));
const y = gs.tensor(column("label").map((l) => (l === ${c0} ? 0 : 1)), { dtype: "int32" });`;
}

export function playgroundCode(s: PlaygroundSettings): string {
  const layers: string[] = [];
  let inputs = 2;
  for (let i = 0; i < s.hiddenLayers; i++) {
    layers.push(`  new gs.nn.Linear(${inputs}, ${s.width}), new gs.nn.${LAYER[s.activation]}(),`);
    inputs = s.width;
  }
  const regression = isRegression(s.dataset);
  layers.push(
    regression
      ? `  new gs.nn.Linear(${inputs}, 1), // the value`
      : `  new gs.nn.Linear(${inputs}, 2), // logits of the two classes`,
  );
  const loss = regression
    ? "gs.nn.functional.mseLoss(model.forward(x).squeeze(1), y)"
    : "gs.nn.functional.crossEntropy(model.forward(x), y)";
  const picture = regression
    ? `// The picture: the value on a grid of points g (M, 2)
const v = gs.noGrad(() => model.forward(g).squeeze(1));`
    : `// The boundary: P(class 1) on a grid of points g (M, 2)
const p = gs.noGrad(() => gs.softmax(model.forward(g), -1).select(1, 1));`;
  return `import * as gs from "gradstack";

gs.manualSeed(${s.seed});
${dataComment(s)}
const model = new gs.nn.Sequential(
${layers.join("\n")}
);
const optimizer = new gs.optim.Adam(model.parameters(), { lr: ${s.lr} });

for (let step = 0; step < 1000; step++) {
  const loss = ${loss}; // full batch
  optimizer.zeroGrad();
  loss.backward();
  optimizer.step();
}
${picture}
`;
}
