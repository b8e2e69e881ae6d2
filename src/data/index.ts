/**
 * gs.data: datasets, batching and file readers (d2l chapters 3-5, with PyTorch's names).
 * @example
 * const { images, labels } = gs.data.loadMnist();
 * const loader = new gs.data.DataLoader(new gs.data.TensorDataset(images, labels), { batchSize: 64, shuffle: true });
 * for (const [x, y] of loader) { ... }
 */
export * from "./portable.js";
export { readBytes, readText, packageRoot, datasetDir } from "../io/files.js";
export { readCsv, readIdx, readParallelCorpus, readTatoeba } from "./readers.js";
export { loadMnist, type MnistOptions } from "./mnist.js";
export { loadDigits } from "./digits.js";
export {
  loadBeir,
  loadRetrievalData,
  readBeirCorpus,
  readBeirQueries,
  readQrels,
  type BeirDataset,
  type BeirDoc,
  type Qrels,
} from "./beir.js";
export { loadCranfield, parseSmart, cranfieldGrade } from "./cranfield.js";
