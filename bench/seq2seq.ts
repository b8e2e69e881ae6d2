/**
 * GRU + Bahdanau attention translation step at bentrevett's notebook-3 sizes on a Multi30k-sized batch
 * (128 pairs, 14 source and 15 target tokens), teacher-forced, with clipping and Adam; PyTorch's figure
 * from the same run (bench/torch/seq2seq_step.py, the same arithmetic).
 */
import * as gs from "gradstack";
import { localTorchDir, runTorch, timeit, type Row } from "./util.js";

export function benchSeq2seq(withTorch = true): Row[] {
  const [B, S, T, srcVocab, tgtVocab] = [128, 14, 15, 7857, 5977];
  gs.manualSeed(0);
  // The defaults are the notebook's sizes.
  const model = new gs.models.Seq2SeqAttention({ srcVocabSize: srcVocab, tgtVocabSize: tgtVocab });
  const opt = new gs.optim.Adam(model.parameters(), { lr: 1e-3 });
  const src = gs.randint(4, srcVocab, [B, S]).to("int32");
  const lengths = new Int32Array(B).fill(S);
  const tgtIn = gs.randint(4, tgtVocab, [B, T]).to("int32");
  const tgtOut = gs.randint(4, tgtVocab, [B, T]).to("int32");
  const step = () => {
    const loss = model.loss(model.forward(src, lengths, tgtIn), tgtOut);
    opt.zeroGrad();
    loss.backward();
    gs.nn.utils.clipGradNorm_(model.parameters(), 1);
    opt.step();
  };
  const ms = timeit(step, { warm: 3, reps: 10, maxMs: 60000 });
  const torch = withTorch ? runTorch("seq2seq_step.py", [], localTorchDir) : null;
  const t = torch?.find((r) => r.workload === "seq2seq_gru_attn");
  return [
    {
      name: "GRU-attention translation step (ms)",
      value: ms,
      unit: "ms",
      torch: t ? Number(t.median_ms) : undefined,
    },
  ];
}
