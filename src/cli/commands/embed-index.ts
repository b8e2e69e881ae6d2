/**
 * `gradstack embed index --model CKPT --data DIR|FILE --out DIR`: encodes a corpus with a trained encoder into
 * an index folder (index.safetensors for gradstack; vectors.npy and ids.jsonl for FAISS or a vector database).
 */
import { defineCommand } from "../command.js";
import { UsageError } from "../usage-error.js";
import { buildDenseIndex, loadRetrievalCheckpoint } from "../../train/retrieval.js";
import { saveIndexFolder } from "../../text/retrieval/index-folder.js";
import { readCorpus } from "./retrievers.js";

const DEFAULTS = { model: "", data: "", out: "" };

export const command = defineCommand({
  name: "embed index",
  summary: "encode a corpus into an index folder: index.safetensors, vectors.npy, ids.jsonl, index.json",
  defaults: DEFAULTS,
  help: {
    model: "the folder of a `gradstack embed train` checkpoint (required)",
    data: "a BEIR folder (corpus.jsonl(.gz)) or a text file with one document per line (required)",
    out: "the index folder to write (required)",
  },
  run(c) {
    const where = "embed index";
    for (const key of ["model", "data", "out"] as const)
      if (!c[key]) throw new UsageError(`embed index: --${key} is required`, where);
    const corpus = readCorpus(c.data, where);
    const { model, tokenizer, config } = loadRetrievalCheckpoint(c.model);
    const t0 = performance.now();
    const index = buildDenseIndex(model, tokenizer, corpus, config.doc_len);
    const seconds = (performance.now() - t0) / 1000;
    saveIndexFolder(c.out, index, { model: c.model, data: c.data });
    console.log(
      `${index.size.toLocaleString("en-US")} documents encoded to ${index.dim}-d vectors in ${seconds.toFixed(1)} s: ${c.out}/index.safetensors, vectors.npy, ids.jsonl`,
    );
  },
});
