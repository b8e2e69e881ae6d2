/** The gradstack program that the MNIST page's settings describe (what the worker runs, as a Node script). */
import { TEST_IMAGES, type MnistSettings } from "./mnist-settings";

export function mnistCode(s: MnistSettings): string {
  const layers =
    s.model === "softmax"
      ? "  new gs.nn.Linear(784, 10), // softmax regression: crossEntropy applies the softmax"
      : `  new gs.nn.Linear(784, ${s.hidden}), new gs.nn.ReLU(),\n  new gs.nn.Linear(${s.hidden}, 10),`;
  return `import * as gs from "gradstack";

gs.manualSeed(${s.seed});
const train = gs.data.loadMnist(undefined, { split: "train" }); // images (60000, 28, 28) in [0, 1]
const x = train.images.reshape([60000, 784]).narrow(0, 0, ${s.trainImages});
const y = train.labels.narrow(0, 0, ${s.trainImages});
const model = new gs.nn.Sequential(
${layers}
);
const optimizer = new gs.optim.Adam(model.parameters(), { lr: ${s.lr} });
const generator = new gs.Generator(${s.seed});

for (let step = 0; step < 1000; step++) {
  const rows = gs.randint(0, ${s.trainImages}, [${s.batchSize}], { generator });
  const loss = gs.nn.functional.crossEntropy(model.forward(x.indexSelect(0, rows)), y.indexSelect(0, rows));
  optimizer.zeroGrad();
  loss.backward();
  optimizer.step();
}
// The page's view: the first ${TEST_IMAGES} test images, their predictions and the confusion matrix
const test = gs.data.loadMnist(undefined, { split: "test" });
const predicted = gs.noGrad(() => model.forward(test.images.reshape([10000, 784]).narrow(0, 0, ${TEST_IMAGES})).argmax(1));
`;
}
