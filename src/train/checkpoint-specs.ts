/**
 * What the stored config of each trained model kind implies about its checkpoint's tensors, for
 * io/checkpoint-config.ts to check before the model is built (sample, evaluate, translate).
 */
import {
  MAX_CONFIG_SIZE,
  type CheckpointExpectations,
  type ConfigRange,
  type RepeatedTensor,
} from "../io/checkpoint-config.js";
import type { GPTTrainConfig } from "./gpt-train.js";
import type { MTTrainConfig } from "./mt-train.js";

/** More layers than this is no model anyone trains here; it keeps a corrupt count from looping long. */
const MAX_LAYERS = 4096;
/** The longest sequence a translator's positional table may be sized for (its table is maxLen × d_model). */
const MAX_SEQUENCE = 16384;

const size = (key: string, value: unknown, max = MAX_CONFIG_SIZE): ConfigRange => ({
  key,
  value,
  min: 1,
  max,
});
/** `name` (with `{i}`) once per layer, for i below `count`, the config's `key`. */
const perLayer = (
  key: string,
  count: number,
  name: string,
  shape: number[],
  from: string,
): RepeatedTensor => ({
  key,
  count,
  name,
  shape,
  from,
});
const probability = (key: string, value: unknown): ConfigRange => ({
  key,
  value,
  min: 0,
  max: 1,
  integer: false,
});

/** A GPT checkpoint of train gpt: its config's sizes against wte, wpe, the blocks and the biases. */
export function gptCheckpointExpectations(c: GPTTrainConfig, vocabSize: number): CheckpointExpectations {
  const C = c.n_embd;
  const V = vocabSize;
  return {
    kind: "GPT",
    ranges: [
      size("vocab size (the tokenizer's)", V),
      size("n_embd", C),
      size("block_size", c.block_size),
      size("n_layer", c.n_layer, MAX_LAYERS),
      { ...size("n_head", c.n_head, C), divides: { key: "n_embd", value: C } },
      probability("dropout", c.dropout),
    ],
    tensors: [
      { name: "transformer.wte.weight", shape: [V, C], from: "[vocab size, n_embd]" },
      { name: "transformer.wpe.weight", shape: [c.block_size, C], from: "[block_size, n_embd]" },
      { name: "transformer.ln_f.weight", shape: [C], from: "[n_embd]" },
      { name: "lm_head.weight", shape: [V, C], from: "[vocab size, n_embd]" },
      ...(c.bias === true
        ? [{ name: "transformer.ln_f.bias", shape: [C], from: "[n_embd], as bias is true" }]
        : []),
    ],
    repeated: [
      perLayer(
        "n_layer",
        c.n_layer,
        "transformer.h.{i}.attn.c_attn.weight",
        [3 * C, C],
        "[3·n_embd, n_embd]",
      ),
      perLayer("n_layer", c.n_layer, "transformer.h.{i}.mlp.c_fc.weight", [4 * C, C], "[4·n_embd, n_embd]"),
    ],
    absent: c.bias === true ? [] : [{ name: "transformer.ln_f.bias", because: "its config has bias false" }],
  };
}

/** A translator checkpoint of train translate (gru-attn or transformer), with its vocabularies' sizes. */
export function translatorCheckpointExpectations(
  c: MTTrainConfig,
  srcVocabSize: number,
  tgtVocabSize: number,
): CheckpointExpectations {
  const vocabs = [size("source vocab size", srcVocabSize), size("target vocab size", tgtVocabSize)];
  if (c.arch === "gru-attn") {
    const E = c.emb_dim;
    const He = c.enc_hidden;
    const Hd = c.dec_hidden;
    return {
      kind: "gru-attn translator",
      ranges: [
        ...vocabs,
        size("emb_dim", E),
        size("enc_hidden", He),
        size("dec_hidden", Hd),
        size("num_layers", c.num_layers, MAX_LAYERS),
        probability("dropout", c.dropout),
        probability("embedding_dropout", c.embedding_dropout),
      ],
      tensors: [
        { name: "encoder.embedding.weight", shape: [srcVocabSize, E], from: "[source vocab size, emb_dim]" },
        { name: "decoder.embedding.weight", shape: [tgtVocabSize, E], from: "[target vocab size, emb_dim]" },
      ],
      repeated: [
        perLayer(
          "num_layers",
          c.num_layers,
          "encoder.rnn.weight_hh_l{i}",
          [3 * He, He],
          "[3·enc_hidden, enc_hidden]",
        ),
        perLayer(
          "num_layers",
          c.num_layers,
          "decoder.rnn.weight_hh_l{i}",
          [3 * Hd, Hd],
          "[3·dec_hidden, dec_hidden]",
        ),
        ...(c.bidirectional === true
          ? [
              perLayer(
                "num_layers",
                c.num_layers,
                "encoder.rnn.weight_hh_l{i}_reverse",
                [3 * He, He],
                "[3·enc_hidden, enc_hidden], as bidirectional is true",
              ),
            ]
          : []),
      ],
      absent:
        c.bidirectional === true
          ? []
          : [{ name: "encoder.rnn.weight_hh_l0_reverse", because: "its config has bidirectional false" }],
    };
  }
  const D = c.d_model;
  const maxLen = Math.max(c.max_tokens, c.max_decode_len) + 2;
  return {
    kind: "transformer translator",
    ranges: [
      ...vocabs,
      size("d_model", D),
      size("ff_dim", c.ff_dim),
      { ...size("nhead", c.nhead, D), divides: { key: "d_model", value: D } },
      size("enc_layers", c.enc_layers, MAX_LAYERS),
      size("dec_layers", c.dec_layers, MAX_LAYERS),
      size("max_tokens", c.max_tokens, MAX_SEQUENCE),
      size("max_decode_len", c.max_decode_len, MAX_SEQUENCE),
      probability("dropout", c.dropout),
    ],
    tensors: [
      { name: "src_tok_emb.weight", shape: [srcVocabSize, D], from: "[source vocab size, d_model]" },
      { name: "tgt_tok_emb.weight", shape: [tgtVocabSize, D], from: "[target vocab size, d_model]" },
      { name: "generator.weight", shape: [tgtVocabSize, D], from: "[target vocab size, d_model]" },
      ...(c.positional === "learned"
        ? [
            {
              name: "positional_encoding.weight",
              shape: [maxLen, D],
              from: "[max(max_tokens, max_decode_len) + 2, d_model]",
            },
          ]
        : []),
    ],
    repeated: [
      perLayer(
        "enc_layers",
        c.enc_layers,
        "transformer.encoder.layers.{i}.linear1.weight",
        [c.ff_dim, D],
        "[ff_dim, d_model]",
      ),
      perLayer(
        "dec_layers",
        c.dec_layers,
        "transformer.decoder.layers.{i}.linear1.weight",
        [c.ff_dim, D],
        "[ff_dim, d_model]",
      ),
    ],
    absent:
      c.positional === "learned"
        ? []
        : [{ name: "positional_encoding.weight", because: `its config has positional "${c.positional}"` }],
  };
}
