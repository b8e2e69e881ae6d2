/** The op and loss reference cases of test/fixtures/torch, as functions of their inputs (shared by every device's parity test). */
import * as gs from "../../src/index.js";
import type { CaseFn } from "./parity.js";

const F = gs.nn.functional;

export const opCases: Record<string, CaseFn> = {
  ops_broadcast_arith: ({ a, b }) => {
    const y = a
      .mul(b)
      .add(a.div(b.mul(b).add(1)))
      .sub(b.tanh().exp());
    return { sum1: y.sum(1), mean: y.mean() };
  },
  ops_gelu_erf_tanh: ({ x }) => ({ erf: F.gelu(x), tanh: F.gelu(x, { approximate: "tanh" }) }),
  ops_matmul_batched: ({ a, b }) => ({ out: a.matmul(b) }),
  ops_softmax_logsoftmax: ({ x }) => ({ softmax: x.softmax(-1), log_softmax: x.logSoftmax(-1) }),
  loss_cross_entropy: ({ logits, target }) => ({ loss: F.crossEntropy(logits, target) }),
  loss_cross_entropy_ignore_index: ({ logits, target }) => ({
    loss: F.crossEntropy(logits, target, { ignoreIndex: -100 }),
  }),
};

// The fixture's "mean" output does not follow its stated formula (y.mean() is -1.1418 for these inputs,
// the file says 0.5861), and its gradients include that output, so only sum1 is compared here; the
// gradients of every op in the expression are covered by gradcheck.
export const opForwardOnly: Record<string, string[]> = { ops_broadcast_arith: ["sum1"] };
