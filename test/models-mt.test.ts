// Translation models: padding invariance, beam 1 = greedy, the label-smoothed loss, names, learning, errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as gs from "../src/index.js";
import { assertClose } from "./helpers/fixtures.js";
import { Seq2SeqAttention } from "../src/models/seq2seq.js";
import {
  beamSearch,
  greedySearch,
  lengthPenalty,
  translationLoss,
  type Translator,
} from "../src/models/decoding.js";
import { TransformerTranslator } from "../src/models/transformer-mt.js";
import { padSequences, translationBatch, type TranslationExample } from "../src/data/parallel.js";

const PAD = 1;
const BOS = 2;
const EOS = 3;
const ids = { padId: PAD, bosId: BOS, eosId: EOS };

function smallModels(): [string, Seq2SeqAttention | TransformerTranslator][] {
  gs.manualSeed(7);
  const gru = new Seq2SeqAttention({
    srcVocabSize: 13,
    tgtVocabSize: 11,
    embedDim: 8,
    encHiddenSize: 6,
    decHiddenSize: 7,
    bidirectional: true,
    numLayers: 2,
    dropout: 0.3,
    ...ids,
  });
  // A wider init than bentrevett's N(0, 0.01), so the outputs depend visibly on the inputs.
  gs.noGrad(() => gru.parameters().forEach((p) => gs.nn.init.normal_(p, 0, 0.5)));
  const tf = new TransformerTranslator({
    srcVocabSize: 13,
    tgtVocabSize: 11,
    dModel: 8,
    nhead: 2,
    numEncoderLayers: 2,
    numDecoderLayers: 2,
    dimFeedforward: 16,
    dropout: 0.3,
    maxLen: 20,
    ...ids,
  });
  return [
    ["Seq2SeqAttention", gru],
    ["TransformerTranslator", tf],
  ];
}

const sentences: TranslationExample[] = [
  { src: Int32Array.of(4, 5, 6, 7, 8, EOS), tgt: Int32Array.of(BOS, 4, 5, 6, EOS) },
  { src: Int32Array.of(9, 10, EOS), tgt: Int32Array.of(BOS, 7, 8, 9, 10, 4, EOS) },
  { src: Int32Array.of(11, 12, 4, 5, EOS), tgt: Int32Array.of(BOS, 5, EOS) },
];

function logitsOf(model: Seq2SeqAttention | TransformerTranslator, b: ReturnType<typeof translationBatch>) {
  return model instanceof Seq2SeqAttention
    ? model.forward(b.src, b.srcLengths, b.tgtIn)
    : model.forward(b.src, b.tgtIn, { srcPaddingMask: b.srcPaddingMask, tgtPaddingMask: b.tgtPaddingMask });
}

for (const [name, model] of smallModels()) {
  const translator = model as Translator<unknown>;
  test(`${name}: a padded batch gives the same logits as each sentence alone`, () => {
    model.eval();
    const batch = gs.noGrad(() => logitsOf(model, translationBatch(sentences, PAD)));
    sentences.forEach((s, i) => {
      const alone = gs.noGrad(() => logitsOf(model, translationBatch([s], PAD)));
      const T = s.tgt.length - 1;
      assertClose(
        batch.select(0, i).narrow(0, 0, T),
        alone.select(0, 0).toArray(),
        1e-5,
        `${name} sentence ${i}`,
      );
    });
    // Dropout is active in training mode only.
    model.train();
    const b = translationBatch(sentences, PAD);
    const a1 = logitsOf(model, b);
    const a2 = logitsOf(model, b);
    assert.ok(a1.sub(a2).abs().sum().item() > 0, "training mode is stochastic");
  });

  test(`${name}: beam search with beam 1 equals greedy search; beams are sorted`, () => {
    const { ids: src, lengths } = padSequences(
      sentences.map((s) => s.src),
      PAD,
    );
    const greedy = greedySearch(translator, src, lengths, { maxLen: 8 });
    sentences.forEach((s, i) => {
      const one = new gs.Tensor(Int32Array.from(s.src), [1, s.src.length]);
      const [beam1] = beamSearch(translator, one, Int32Array.of(s.src.length), { beamSize: 1, maxLen: 8 });
      assert.deepEqual(beam1.tokens, greedy[i].tokens, `sentence ${i} tokens`);
      assert.ok(Math.abs(beam1.logProb - greedy[i].logProb) < 1e-4, `sentence ${i} log-prob`);
      assert.equal(beam1.attention.length, greedy[i].attention.length);
      assert.equal(beam1.attention[0].length, s.src.length, "attention over the source positions");
      const beams = beamSearch(translator, one, Int32Array.of(s.src.length), {
        beamSize: 4,
        maxLen: 8,
        lengthPenalty: 0.6,
      });
      assert.ok(beams.length >= 1 && beams.length <= 4);
      for (let k = 1; k < beams.length; k++)
        assert.ok(beams[k - 1].score >= beams[k].score, "sorted by score");
      // Beam search never finds a worse best hypothesis than greedy by the unpenalised score.
      const [best] = beamSearch(translator, one, Int32Array.of(s.src.length), { beamSize: 4, maxLen: 8 });
      assert.ok(best.score >= greedy[i].logProb - 1e-4 || greedy[i].tokens.length === 8);
    });
    const rows = greedy[0].attention;
    rows.forEach((r) =>
      assert.ok(Math.abs(r.reduce((a, b) => a + b, 0) - 1) < 1e-5, "attention rows sum to 1"),
    );
    const [padded] = greedySearch(translator, src, lengths, { maxLen: 8 }).slice(1);
    assert.ok(
      padded.attention.every((r) => r.slice(sentences[1].src.length).every((w) => w === 0)),
      "no attention on padding",
    );
  });
}

test("Seq2SeqAttention with teacherForcing 0 feeds back its own argmax, as greedy search does", () => {
  const gru = smallModels()[0][1] as Seq2SeqAttention;
  gru.eval();
  const b = translationBatch(sentences, PAD);
  const free = gs.noGrad(() => gru.forward(b.src, b.srcLengths, b.tgtIn, { teacherForcing: 0 }));
  const picked = (free.argmax(-1) as gs.Tensor).tolist() as number[][];
  const greedy = greedySearch(gru as Translator<unknown>, b.src, b.srcLengths, { maxLen: b.tgtIn.shape[1] });
  greedy.forEach((h, i) => {
    const steps = Math.min(h.tokens.length, b.tgtIn.shape[1]);
    assert.deepEqual(picked[i].slice(0, steps), h.tokens.slice(0, steps), `sentence ${i}`);
  });
});

test("translationLoss equals crossEntropy with ignoreIndex and label smoothing", () => {
  gs.manualSeed(2);
  const logits = gs.randn([3, 4, 9], { dtype: "float64", requiresGrad: true });
  const labels = gs.tensor(
    [
      [4, 5, 3, PAD],
      [6, 3, PAD, PAD],
      [2, 8, 7, 3],
    ],
    { dtype: "int32" },
  );
  for (const eps of [0, 0.1]) {
    const want = gs.nn.functional.crossEntropy(logits.reshape([-1, 9]), labels.reshape([-1]), {
      ignoreIndex: PAD,
      labelSmoothing: eps,
    });
    const got = translationLoss(logits, labels, PAD, eps);
    assert.ok(Math.abs(got.item() - want.item()) < 1e-12, `eps ${eps}: ${got.item()} vs ${want.item()}`);
    const [gWant] = [want].map((w) => {
      logits.grad = null;
      w.backward();
      return logits.grad!.toArray();
    });
    logits.grad = null;
    got.backward();
    assertClose(logits.grad!, gWant, 1e-12, `eps ${eps} gradient`);
  }
  assert.throws(() => translationLoss(gs.randn([3, 9]), labels, PAD), /must be \(B, T, V\)/);
});

test("GNMT length penalty", () => {
  assert.equal(lengthPenalty(7, 0), 1);
  assert.ok(Math.abs(lengthPenalty(7, 0.6) - Math.pow(2, 0.6)) < 1e-12);
});

test("model trees: bentrevett's / PyTorch's names, shared embeddings", () => {
  const [[, gru], [, tf]] = smallModels();
  assert.equal(gs.models.Seq2Seq, gs.models.Seq2SeqAttention);
  const gruKeys = Object.keys(gru.stateDict());
  for (const k of [
    "encoder.embedding.weight",
    "encoder.rnn.weight_ih_l0_reverse",
    "encoder.fc.weight",
    "decoder.attention.W_q.weight",
    "decoder.attention.W_k.weight",
    "decoder.attention.w_v.weight",
    "decoder.rnn.weight_hh_l1",
    "decoder.fc_out.bias",
  ])
    assert.ok(gruKeys.includes(k), `missing ${k}`);
  const tfKeys = Object.keys(tf.stateDict());
  for (const k of [
    "src_tok_emb.weight",
    "tgt_tok_emb.weight",
    "transformer.encoder.layers.0.self_attn.in_proj_weight",
    "transformer.decoder.layers.1.multihead_attn.out_proj.weight",
    "transformer.decoder.norm.weight",
    "generator.weight",
  ])
    assert.ok(tfKeys.includes(k), `missing ${k}`);
  const shared = new TransformerTranslator({
    srcVocabSize: 10,
    tgtVocabSize: 10,
    dModel: 8,
    nhead: 2,
    shareEmbeddings: true,
  });
  assert.equal(shared.src_tok_emb.weight, shared.tgt_tok_emb.weight);
  assert.equal(
    shared.numParameters(),
    new TransformerTranslator({ srcVocabSize: 10, tgtVocabSize: 10, dModel: 8, nhead: 2 }).numParameters() -
      80,
  );
  const learned = new TransformerTranslator({
    srcVocabSize: 10,
    tgtVocabSize: 10,
    dModel: 8,
    nhead: 2,
    positional: "learned",
    maxLen: 30,
  });
  assert.deepEqual([...learned.stateDict()["positional_encoding.weight"].shape], [30, 8]);
});

/** Trains on a toy task (the target is the source reversed) and checks that the loss falls. */
function learns(
  model: Seq2SeqAttention | TransformerTranslator,
  steps: number,
  lr: number,
): [number, number] {
  gs.manualSeed(11);
  const examples: TranslationExample[] = Array.from({ length: 16 }, () => {
    const n = 2 + gs.defaultGenerator.randint(0, 3);
    const toks = Array.from({ length: n }, () => 4 + gs.defaultGenerator.randint(0, 7));
    return { src: Int32Array.from([...toks, EOS]), tgt: Int32Array.from([BOS, ...toks.reverse(), EOS]) };
  });
  const opt = new gs.optim.Adam(model.parameters(), { lr });
  const b = translationBatch(examples, PAD);
  model.train();
  let first = 0;
  let last = 0;
  for (let i = 0; i < steps; i++) {
    const loss = model.loss(logitsOf(model, b), b.tgtOut);
    loss.backward();
    opt.step();
    opt.zeroGrad();
    if (i === 0) first = loss.item();
    last = loss.item();
  }
  return [first, last];
}

test("both models learn a toy translation (reversal) within 40 steps", () => {
  gs.manualSeed(3);
  const gru = new Seq2SeqAttention({
    srcVocabSize: 12,
    tgtVocabSize: 12,
    embedDim: 16,
    encHiddenSize: 16,
    decHiddenSize: 16,
    dropout: 0,
    ...ids,
  });
  const [g0, g1] = learns(gru, 40, 0.02);
  assert.ok(g1 < 0.5 * g0, `GRU loss ${g0} -> ${g1}`);
  const tf = new TransformerTranslator({
    srcVocabSize: 12,
    tgtVocabSize: 12,
    dModel: 16,
    nhead: 2,
    numEncoderLayers: 1,
    numDecoderLayers: 1,
    dimFeedforward: 32,
    dropout: 0,
    ...ids,
  });
  const [t0, t1] = learns(tf, 40, 0.01);
  assert.ok(t1 < 0.5 * t0, `Transformer loss ${t0} -> ${t1}`);
});

test("translation models: clear errors for bad input", () => {
  const [[, m0], [, m1]] = smallModels();
  const gru = m0 as Seq2SeqAttention;
  const tf = m1 as TransformerTranslator;
  const src = gs.tensor([[4, 5, EOS]], { dtype: "int32" });
  assert.throws(
    () => gru.forward(src.to("float32"), Int32Array.of(3), src),
    /src must be an int32 tensor of token ids/,
  );
  assert.throws(
    () => gru.forward(src, Int32Array.of(3), gs.tensor([[2], [2]], { dtype: "int32" })),
    /same batch size/,
  );
  assert.throws(() => tf.forward(src, gs.zeros([1, 25], { dtype: "int32" })), /length 25 exceeds maxLen=20/);
  assert.throws(() => tf.forward(src, gs.tensor([[2], [2]], { dtype: "int32" })), /same batch size/);
  assert.throws(
    () =>
      beamSearch(
        tf as Translator<unknown>,
        gs.tensor(
          [
            [4, 3],
            [5, 3],
          ],
          { dtype: "int32" },
        ),
        Int32Array.of(2, 2),
      ),
    /one sentence at a time, src must be \(1, S\)/,
  );
  assert.throws(
    () => beamSearch(tf as Translator<unknown>, src, Int32Array.of(3), { beamSize: 0 }),
    /beamSize must be a positive integer/,
  );
  assert.throws(
    () => new TransformerTranslator({ srcVocabSize: 10, tgtVocabSize: 12, shareEmbeddings: true }),
    /shareEmbeddings needs one vocabulary/,
  );
  assert.throws(
    () => new Seq2SeqAttention({ srcVocabSize: 10, tgtVocabSize: 0 }),
    /tgtVocabSize must be a positive integer/,
  );
});
