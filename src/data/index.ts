/**
 * gs.data: datasets, batching and file readers (d2l chapters 3-5, with PyTorch's names).
 * @example
 * const { images, labels } = gs.data.loadMnist();
 * const loader = new gs.data.DataLoader(new gs.data.TensorDataset(images, labels), { batchSize: 64, shuffle: true });
 * for (const [x, y] of loader) { ... }
 */
export { Dataset, TensorDataset, Subset } from "./dataset.js";
export { DataLoader, type DataLoaderOptions } from "./dataloader.js";
export { defaultCollate, type Collated } from "./collate.js";
export { randomSplit } from "./split.js";
export { readBytes, readText, packageRoot, datasetDir } from "./files.js";
export { readIdx } from "./idx.js";
export { loadMnist, type MnistOptions } from "./mnist.js";
export { loadDigits } from "./digits.js";
export {
  parseCsv,
  readCsv,
  csvToTensors,
  type CsvOptions,
  type CsvTable,
  type CsvTensorOptions,
} from "./csv.js";
export { normalize, standardize, minMaxScale } from "./normalize.js";
export * from "./parallel.js";
