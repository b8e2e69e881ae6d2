/**
 * `gradstack embed train --data_dir DIR [--pairs unsupervised|supervised|both]`: a dense retriever trained with
 * InfoNCE. `gradstack train retrieval` is the same command under the `train` group (an alias).
 */
import { defineCommand } from "../command.js";
import { trainProgress } from "./train-progress.js";
import { RETRIEVAL_DEFAULTS, trainRetrieval } from "../../train/retrieval.js";

export const command = defineCommand({
  name: "embed train",
  summary:
    "a TextEncoder trained with InfoNCE on a BEIR folder, evaluated by nDCG@10 on its test queries (alias: train retrieval)",
  defaults: RETRIEVAL_DEFAULTS,
  help: {
    data_dir: "a BEIR folder: corpus.jsonl(.gz), queries.jsonl, qrels/test.tsv (required)",
    pairs:
      '"unsupervised" (two crops of a document, title and text), "supervised" (training claims) or "both"',
    claims: 'SciFact\'s claims_labels.jsonl ("": in data_dir); only its "train" split is used',
    val_claims: "training claims held out to choose the checkpoint (never the test queries)",
    arch: '"transformer" (positions and encoder layers), "bag" (the token embeddings alone) or "bigru" (a bidirectional GRU, n_layer deep)',
    pooling: '"mean" over the tokens, or "idf" (each token weighted by its idf in the corpus)',
    hard_negatives: "BM25-mined hard negatives per pair (claims and titles; 0: in-batch negatives only)",
    vocab_size: "BPE vocabulary trained on the corpus (ids, the pad token included)",
    bpe_chars: "characters of the corpus the BPE trainer reads (0: all)",
    d_model: "width of the encoder",
    n_head: "attention heads",
    n_layer: "Transformer encoder layers",
    d_ff: "width of the feed-forward layers",
    dropout: "dropout while training",
    max_len: "tokens of a query or a training crop",
    doc_len: "tokens of a document when it is indexed",
    batch_size: "pairs per step (each pair's document is a negative for the others)",
    max_iters: "optimizer steps",
    eval_interval: "steps between evaluations on the held-out claims",
    lr: "peak learning rate (AdamW, warmup then cosine to lr/10)",
    warmup_iters: "steps of linear warmup",
    weight_decay: "AdamW weight decay",
    grad_clip: "clip the gradients' global norm to this (0: no clipping)",
    scale: "InfoNCE scale, the inverse temperature (MultipleNegativesRankingLoss: 20)",
    symmetric: "also score documents against queries",
    seed: "random seed",
    max_seconds: "stop training after this many seconds (0: no limit)",
    out_dir: 'folder of metrics.jsonl, checkpoint.safetensors and loss.svg ("": none written)',
  },
  printConfig: true,
  run(config, { progress }) {
    const r = trainRetrieval(
      config,
      trainProgress(progress, {
        bar: "run",
        evalLine: ({ iter, train, extra }) =>
          `step ${iter}: train loss ${train.toFixed(4)}` +
          (extra.val_ndcg10 !== undefined ? `, held-out claims nDCG@10 ${extra.val_ndcg10.toFixed(4)}` : ""),
      }),
    );
    const t = r.test;
    console.log(
      `test (${t.queries} queries): nDCG@10 ${t.ndcg.toFixed(4)} · Recall@100 ${t.recall.toFixed(4)} · MRR@10 ${t.mrr.toFixed(4)} · ${r.trainSeconds.toFixed(0)} s of training`,
    );
  },
});
