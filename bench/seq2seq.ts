/**
 * GRU + Bahdanau attention translation step at bentrevett's notebook-3 sizes on a Multi30k-sized batch
 * (128 pairs, 14 source and 15 target tokens), teacher-forced, with clipping and Adam. The PyTorch twin
 * (bench/torch/seq2seq_step.py, run by bench/torch/steps.py seq2seq) does the same arithmetic.
 */
import * as gs from "../src/index.js";

export function seq2seqStep(): () => void {
  const [B, S, T, srcVocab, tgtVocab] = [128, 14, 15, 7857, 5977];
  gs.manualSeed(0);
  // The defaults are the notebook's sizes.
  const model = new gs.models.Seq2SeqAttention({ srcVocabSize: srcVocab, tgtVocabSize: tgtVocab });
  const opt = new gs.optim.Adam(model.parameters(), { lr: 1e-3 });
  const src = gs.randint(4, srcVocab, [B, S]).to("int32");
  const lengths = new Int32Array(B).fill(S);
  const tgtIn = gs.randint(4, tgtVocab, [B, T]).to("int32");
  const tgtOut = gs.randint(4, tgtVocab, [B, T]).to("int32");
  return () => {
    const loss = model.loss(model.forward(src, lengths, tgtIn), tgtOut);
    opt.zeroGrad();
    loss.backward();
    gs.nn.utils.clipGradNorm_(model.parameters(), 1);
    opt.step();
  };
}
