/** The gradstack program that the recurrent model's settings describe (what the worker runs). */
import { languageModelScript, recurrentModelCode } from "./char-lm-code";
import { RNN_SAMPLE_LENGTH, type RNNSettings } from "./rnn-settings";

/** What the heat maps replay: the first layer's equations, PyTorch's, per cell. */
const CELL_EQUATIONS = {
  lstm: "i, f, g, o = (x Wihᵀ + bih + h Whhᵀ + bhh).chunk(4); c = σ(f) c + σ(i) tanh(g); h = σ(o) tanh(c)",
  gru: "r = σ(..), z = σ(..), n = tanh(x Winᵀ + bin + r (h Whnᵀ + bhn)); h = (1 − z) n + z h",
  rnn: "h = tanh(x Wihᵀ + bih + h Whhᵀ + bhh)",
};

export function rnnCode(s: RNNSettings): string {
  const script = languageModelScript({
    ...s,
    model: recurrentModelCode(s.cell, s.embedDim, s.hidden),
    optimizer: `new gs.optim.Adam(model.parameters(), { lr: ${s.lr} })`,
    sampleLength: RNN_SAMPLE_LENGTH,
  });
  return `${script}
// The heat maps replay the first layer step by step with the model's weights, PyTorch's equations:
// ${CELL_EQUATIONS[s.cell]}
// and call h.retainGrad() on every h_t, so that backward from the last prediction's loss fills h_t.grad.
`;
}
