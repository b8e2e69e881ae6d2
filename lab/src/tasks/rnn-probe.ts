/**
 * What a recurrent cell does on one input string, step by step: its gate activations, its hidden state,
 * and how much the loss of the last prediction depends on each earlier hidden state (‖∂L/∂h_t‖, which
 * shrinks or grows geometrically with the distance T − t: vanishing or exploding gradients). The fused
 * recurrent layer returns none of these, so this replays its first layer with the model's own weights
 * (PyTorch's equations and gate order) and retains the gradient of every h_t.
 */
import * as gs from "gradstack";
import type { RNNCell } from "./rnn-settings";

export interface RNNProbe {
  /** gates[g]: (T, H) row-major, one row per input character. */
  gates: Float32Array[];
  /** The hidden state after each character, (T, H). */
  hidden: Float32Array;
  /** ‖∂L/∂h_t‖ for t = 0 … T − 2, where L is the loss of predicting the last character. */
  gradNorms: number[];
}

/** One step of the cell: the new state and the gates it computed. */
function cellStep(
  cell: RNNCell,
  gi: gs.Tensor,
  gh: gs.Tensor,
  h: gs.Tensor,
  c: gs.Tensor,
): { h: gs.Tensor; c: gs.Tensor; gates: gs.Tensor[] } {
  if (cell === "rnn") return { h: gi.add(gh).tanh(), c, gates: [] };
  if (cell === "lstm") {
    const [i, f, g, o] = gi.add(gh).chunk(4, 1);
    const gates = [i.sigmoid(), f.sigmoid(), g.tanh(), o.sigmoid()];
    const next = gates[1].mul(c).add(gates[0].mul(gates[2]));
    return { h: gates[3].mul(next.tanh()), c: next, gates };
  }
  const [ir, iz, inn] = gi.chunk(3, 1);
  const [hr, hz, hn] = gh.chunk(3, 1);
  const r = ir.add(hr).sigmoid();
  const z = iz.add(hz).sigmoid();
  const n = inn.add(r.mul(hn)).tanh();
  return { h: z.neg().add(1).mul(n).add(z.mul(h)), c, gates: [r, z, n] };
}

const rows = (ts: gs.Tensor[]): Float32Array => Float32Array.from(gs.cat(ts, 0).contiguous().dataSync());

/** Runs `ids` (at least 2 tokens) through layer 0 of `model`'s recurrent layer. */
export function probeRecurrent(model: gs.models.RNNLanguageModel, ids: number[]): RNNProbe {
  const { cell, hiddenSize: H } = model.config;
  const rnn = model.rnn;
  const [wih, whh, bih, bhh] = [rnn.weight_ih_l0, rnn.weight_hh_l0, rnn.bias_ih_l0, rnn.bias_hh_l0];
  const x = model.embedding!.forward(gs.tensor(ids, { dtype: "int32" })).detach(); // (T, E)
  let h = gs.zeros([1, H]);
  let c = gs.zeros([1, H]);
  const states: gs.Tensor[] = [];
  const gates: gs.Tensor[][] = [];
  for (let t = 0; t < ids.length; t++) {
    const gi = x.narrow(0, t, 1).matmul(wih.transpose(0, 1)).add(bih);
    const gh = h.matmul(whh.transpose(0, 1)).add(bhh);
    const step = cellStep(cell, gi, gh, h, c);
    ({ h, c } = step);
    states.push(h.retainGrad());
    step.gates.forEach((g, k) => (gates[k] ??= []).push(g.detach()));
  }
  // The loss of the last character, predicted from the state before it.
  const T = ids.length;
  const logits = model.lm_head.forward(states[T - 2]);
  const loss = gs.nn.functional.crossEntropy(logits, gs.tensor([ids[T - 1]], { dtype: "int32" }));
  loss.backward();
  const gradNorms = states.slice(0, T - 1).map((s) => s.grad!.norm().item() as number);
  for (const p of model.parameters()) p.zeroGrad(); // the probe's gradients are not the training's
  return {
    gates: gates.map(rows),
    hidden: rows(states.map((s) => s.detach())),
    gradNorms,
  };
}
