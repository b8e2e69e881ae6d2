/**
 * The part of gs.data that runs anywhere (Node, browsers, workers): datasets, loaders and the parsers of
 * CSV, IDX and parallel text from strings and bytes. The file readers are added by index.ts (Node).
 */
export { Dataset, TensorDataset, Subset } from "./dataset.js";
export { DataLoader, type DataLoaderOptions } from "./dataloader.js";
export { defaultCollate, type Collated } from "./collate.js";
export { randomSplit } from "./split.js";
export { parseIdx } from "./idx.js";
export { parseCsv, csvToTensors, type CsvOptions, type CsvTable, type CsvTensorOptions } from "./csv.js";
export { normalize, standardize, minMaxScale } from "./normalize.js";
export * from "./parallel.js";
