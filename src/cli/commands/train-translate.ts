/**
 * `gradstack train translate --arch gru-attn|transformer --data multi30k|fra-eng --src de --tgt en ...`:
 * trains a translation model with live progress, then reports test BLEU.
 */
import { defineCommand } from "../command.js";
import { COUNT, DROPOUT, NON_NEGATIVE, NON_NEGATIVE_INT, PROBABILITY, TRAIN_RULES } from "../option-rules.js";
import { NAN_POLICY_HELP } from "../../train/health.js";
import { trainProgress, whereItRuns } from "./train-progress.js";
import { MT_TRAIN_DEFAULTS, mtConfig, trainTranslatorAsync } from "../../train/mt-train.js";
import { DEVICE_HELP, DEVICE_RULE, openDevice } from "../device-option.js";

export const command = defineCommand({
  name: "train translate",
  summary: "a translation model: --arch gru-attn|transformer --data multi30k|fra-eng",
  defaults: MT_TRAIN_DEFAULTS,
  // The arch and the dataset choose the preset that a config file and the other flags then override.
  presets: (given) => mtConfig({ arch: given.arch, data: given.data }),
  help: {
    arch: '"transformer" or "gru-attn" (GRU encoder-decoder with Bahdanau attention); with --data, picks the preset whose defaults this help shows',
    data: '"multi30k" or "fra-eng" (d2l\'s Tatoeba pairs); with --arch, picks the preset (add --help to see its defaults)',
    data_dir:
      'folder of the corpus (required for multi30k, which is not shipped; "": the shipped data/fra-eng)',
    src: "source language",
    tgt: "target language",
    out_dir: 'folder of the checkpoints, metrics.jsonl and loss.svg ("": out-mt-ARCH-DATA)',
    init_from: '"scratch", or "resume" from the last checkpoint in out_dir',
    epochs: "passes over the training pairs",
    batch_size: "sentence pairs per step",
    lr: "learning rate (Adam)",
    warmup_iters: "steps of linear learning-rate warmup (0: none)",
    grad_clip: "clip the gradient norm at this value (0: no clipping)",
    label_smoothing: "label smoothing of the cross-entropy",
    min_freq: "words seen fewer times become <unk>",
    max_tokens: "longest training sequence in tokens (with <eos>); longer ones are cut",
    num_train: "fra-eng: the first this many pairs train",
    num_val: "fra-eng: the next this many pairs validate",
    log_interval: "log the training loss every this many steps",
    max_seconds: "stop (and save, for --init_from=resume) after this many seconds of training (0: no limit)",
    seed: "random seed (initialization, batches, dropout)",
    eval_test: "after the last epoch, report BLEU on the test split",
    eval_checkpoint:
      'which model the test BLEU is of: "best" by validation loss (bentrevett) or "last" (d2l)',
    beam_size: "test BLEU: beam width (1: greedy)",
    length_penalty: "test BLEU: length penalty of the beam search (0: none)",
    max_decode_len: "test BLEU: longest translation in tokens",
    dropout: "dropout probability",
    embedding_dropout: "gru-attn: dropout on the token embeddings (bentrevett 0.5, d2l 0)",
    init: 'gru-attn: "normal" (bentrevett\'s N(0, 0.01)) or "xavier" (d2l\'s) initialization',
    emb_dim: "gru-attn: size of the token embeddings",
    enc_hidden: "gru-attn: encoder GRU hidden units",
    dec_hidden: "gru-attn: decoder GRU hidden units",
    bidirectional: "gru-attn: a bidirectional encoder",
    num_layers: "gru-attn: stacked GRU layers",
    deep_output:
      "gru-attn: predict from the GRU output, the attention context and the embedding (bentrevett)",
    teacher_forcing: "gru-attn: probability of feeding the true previous token while training",
    d_model: "transformer: model width",
    nhead: "transformer: attention heads",
    enc_layers: "transformer: encoder layers",
    dec_layers: "transformer: decoder layers",
    ff_dim: "transformer: feed-forward hidden units",
    norm_first: "transformer: LayerNorm before each sublayer (pre-norm) instead of after",
    activation: 'transformer: "relu" or "gelu" in the feed-forward layers',
    positional: 'transformer: "sinusoidal" or "learned" positional encodings',
    nan_policy: NAN_POLICY_HELP,
    device: DEVICE_HELP,
  },
  rules: {
    ...TRAIN_RULES,
    arch: { oneOf: ["transformer", "gru-attn"] },
    data: { oneOf: ["multi30k", "fra-eng"] },
    init_from: { oneOf: ["scratch", "resume"] },
    epochs: COUNT,
    batch_size: COUNT,
    lr: NON_NEGATIVE,
    warmup_iters: NON_NEGATIVE_INT,
    grad_clip: NON_NEGATIVE,
    label_smoothing: { min: 0, below: 1 },
    min_freq: COUNT,
    max_tokens: { int: true, min: 2 },
    num_train: COUNT,
    num_val: COUNT,
    log_interval: COUNT,
    eval_checkpoint: { oneOf: ["best", "last"] },
    beam_size: COUNT,
    length_penalty: NON_NEGATIVE,
    max_decode_len: COUNT,
    dropout: DROPOUT,
    embedding_dropout: DROPOUT,
    init: { oneOf: ["normal", "xavier"] },
    emb_dim: COUNT,
    enc_hidden: COUNT,
    dec_hidden: COUNT,
    num_layers: COUNT,
    teacher_forcing: PROBABILITY,
    d_model: COUNT,
    nhead: COUNT,
    enc_layers: COUNT,
    dec_layers: COUNT,
    ff_dim: COUNT,
    activation: { oneOf: ["relu", "gelu"] },
    positional: { oneOf: ["sinusoidal", "learned"] },
    device: DEVICE_RULE,
  },
  printConfig: true,
  async run(config, { progress }) {
    await openDevice(config.device);
    const result = await trainTranslatorAsync(
      config,
      trainProgress(progress, {
        bar: "epoch",
        epochs: config.epochs,
        startLine: ({ params, description, device }) =>
          `${config.arch} · ${(params / 1e6).toFixed(2)}M parameters · ${whereItRuns(device)}\n${description}`,
        fields: ({ loss, lr, tokensPerSec }) => ({
          loss,
          lr: lr.toExponential(2),
          "tok/s": Math.round(tokensPerSec),
        }),
        evalLine: ({ epoch, train, val, saved, seconds }) =>
          `epoch ${epoch}: train loss ${train.toFixed(4)}, val loss ${val.toFixed(4)} (ppl ${Math.exp(val).toFixed(2)})${saved ? " (best, saved)" : ""} · ${(seconds / 60).toFixed(1)} min`,
      }),
    );
    const r = result.results;
    if (!result.finished)
      progress.log(
        `stopped after ${r.steps} steps (${(r.trainSeconds / 60).toFixed(1)} min); continue with --init_from=resume --out_dir=${config.out_dir}`,
      );
    if (r.test) {
      console.log(`test (${r.test.split}, ${r.test.sentences} sentences, beam ${r.test.beamSize}):`);
      console.log(`  sacreBLEU (13a, lowercased): ${r.test.sacrebleuString}`);
      console.log(`  token BLEU:                  ${r.test.tokenBleuString}`);
    }
    if (r.samples) for (const line of r.samples) console.log(line);
    console.log(
      `checkpoints in ${config.out_dir} (best.safetensors, checkpoint.safetensors) · curve ${config.out_dir}/loss.svg`,
    );
  },
});
