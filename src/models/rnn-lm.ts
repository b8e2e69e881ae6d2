/**
 * Recurrent language models (char-rnn, d2l chapters 9-10, makemore's RNN/GRU): tokens are embedded (or
 * one-hot encoded, as d2l), run through a multi-layer RNN, LSTM or GRU, and projected to next-token
 * logits at every step. The recurrent state can be carried from one window to the next, which is how
 * truncated backpropagation through time trains on a long text: detach it between windows.
 * Internally everything is time-major (T, B, ·), which is what the recurrent layers compute in.
 */
import { Tensor } from "../tensor/tensor.js";
import { eye, zeros } from "../tensor/create.js";
import { cat } from "../ops/indexing.js";
import { Module } from "../nn/module.js";
import { Embedding } from "../nn/layers/embedding.js";
import { Linear } from "../nn/layers/linear.js";
import { Dropout } from "../nn/layers/dropout.js";
import { GRU, LSTM, RNN } from "../nn/layers/rnn.js";
import { generateTokens, generateTokensAsync, type SampleOptions, type TokenProgram } from "./sampling.js";
import { checkTokens, lmLoss, type LMOutput } from "./language-model.js";

export interface RNNLMConfig {
  cell: "rnn" | "lstm" | "gru";
  vocabSize: number;
  /** Embedding size; 0 feeds one-hot vectors instead (as d2l's RNNLM). */
  embedDim: number;
  hiddenSize: number;
  numLayers: number;
  /** Dropout between recurrent layers and before the output layer, while training. */
  dropout: number;
  /** Nonlinearity of the plain RNN cell. */
  nonlinearity: "tanh" | "relu";
}

export const RNN_LM_DEFAULTS = {
  cell: "lstm",
  embedDim: 64,
  hiddenSize: 256,
  numLayers: 1,
  dropout: 0,
  nonlinearity: "tanh",
} as const;

/** The recurrent state: hN (numLayers, B, H), or [hN, cN] for the LSTM. */
export type RNNState = Tensor | [Tensor, Tensor];

export interface RNNLMOutput extends LMOutput {
  /** The state after the last position, to pass to the next window (detach it first when training). */
  state: RNNState;
}

/** The state without its history, so the next window's backward stops here (truncated BPTT). */
export function detachState(state: RNNState): RNNState {
  return Array.isArray(state) ? [state[0].detach(), state[1].detach()] : state.detach();
}

/**
 * @example
 * const lm = new gs.models.RNNLanguageModel({ cell: "gru", vocabSize: 28, embedDim: 0, hiddenSize: 32 });
 * let state = null;
 * for (const { x, y } of windows) {
 *   const out = lm.forward(x, y, state);   // x, y: (B, T) int32
 *   out.loss.backward();
 *   state = gs.models.detachState(out.state);
 * }
 */
export class RNNLanguageModel extends Module {
  readonly config: RNNLMConfig;
  embedding: Embedding | null;
  rnn: RNN | LSTM | GRU;
  drop: Dropout;
  lm_head: Linear;
  /** Identity rows for one-hot inputs (not saved in the state dict). */
  /** The one-hot table (embedDim 0); moved to the input's device on first use there. */
  private oneHot: Tensor | null;

  constructor(config: Partial<RNNLMConfig> & Pick<RNNLMConfig, "vocabSize">) {
    super();
    const c: RNNLMConfig = { ...RNN_LM_DEFAULTS, ...config };
    if (c.cell !== "rnn" && c.cell !== "lstm" && c.cell !== "gru")
      throw new RangeError(
        `RNNLanguageModel: cell must be "rnn", "lstm" or "gru", got ${JSON.stringify(c.cell)}`,
      );
    for (const key of ["vocabSize", "hiddenSize", "numLayers"] as const)
      if (!Number.isInteger(c[key]) || c[key] <= 0)
        throw new RangeError(`RNNLanguageModel: ${key} must be a positive integer, got ${c[key]}`);
    if (!Number.isInteger(c.embedDim) || c.embedDim < 0)
      throw new RangeError(
        `RNNLanguageModel: embedDim must be an integer >= 0 (0: one-hot), got ${c.embedDim}`,
      );
    this.config = c;
    const inputSize = c.embedDim > 0 ? c.embedDim : c.vocabSize;
    this.embedding = c.embedDim > 0 ? new Embedding(c.vocabSize, c.embedDim) : null;
    const opts = { numLayers: c.numLayers, dropout: c.numLayers > 1 ? c.dropout : 0 };
    this.rnn =
      c.cell === "lstm"
        ? new LSTM(inputSize, c.hiddenSize, opts)
        : c.cell === "gru"
          ? new GRU(inputSize, c.hiddenSize, opts)
          : new RNN(inputSize, c.hiddenSize, { ...opts, nonlinearity: c.nonlinearity });
    this.drop = new Dropout(c.dropout);
    this.lm_head = new Linear(c.hiddenSize, c.vocabSize);
    this.oneHot = c.embedDim > 0 ? null : eye(c.vocabSize);
  }

  private oneHotOn(device: Tensor["device"]): Tensor {
    if (this.oneHot!.device !== device) this.oneHot = this.oneHot!.to(device);
    return this.oneHot!;
  }

  /** Zero state for a batch of B sequences, on the model's device. */
  initState(B: number): RNNState {
    const { dtype, device } = this.lm_head.weight;
    const h = zeros([this.config.numLayers, B, this.config.hiddenSize], { dtype, device });
    return this.config.cell === "lstm" ? [h, h.clone()] : h;
  }

  /**
   * idx (B, T) int32 -> logits (B, T, V) and the mean cross-entropy when targets (B, T) are given (-1
   * ignored), starting from `state` (zeros when omitted). Without targets only the last position's
   * logits are computed, (B, 1, V). Also returns the final state.
   */
  forward(idx: Tensor, targets?: Tensor | null, state?: RNNState | null): RNNLMOutput {
    checkTokens("RNNLanguageModel.forward", idx, targets, this.config.vocabSize);
    const [B, T] = idx.shape;
    const ids = idx.transpose(0, 1).contiguous(); // (T, B)
    const x = this.embedding
      ? this.embedding.forward(ids) // (T, B, E)
      : this.oneHotOn(ids.device)
          .indexSelect(0, ids.reshape([-1]))
          .reshape([T, B, -1])
          .to(this.lm_head.weight.dtype);
    let out: Tensor; // (T, B, H)
    let next: RNNState;
    if (this.rnn instanceof LSTM) {
      const [o, hc] = this.rnn.forward(x, (state as [Tensor, Tensor] | null | undefined) ?? null);
      [out, next] = [o, hc];
    } else {
      [out, next] = this.rnn.forward(x, (state as Tensor | null | undefined) ?? null);
    }
    out = this.drop.forward(out);
    if (!targets) {
      const logits = this.lm_head.forward(out.select(0, T - 1)).unsqueeze(1); // (B, 1, V)
      return { logits, loss: null, state: next };
    }
    const logits = this.lm_head.forward(out); // (T, B, V)
    const loss = lmLoss(logits, targets.transpose(0, 1).contiguous());
    return { logits: logits.transpose(0, 1), loss, state: next }; // logits (B, T, V)
  }

  /**
   * Extends idx (B, T) by maxNewTokens sampled tokens. The prompt runs once; then each new token is fed
   * with the carried state, so every step costs one recurrent step. On a device the host cannot read,
   * use generateAsync.
   */
  generate(idx: Tensor, maxNewTokens: number, opts: SampleOptions = {}): Tensor {
    checkNewTokens(maxNewTokens);
    return generateTokens(this, this.generation(idx, maxNewTokens), opts);
  }

  /** generate on any device (webgpu): each step's logits are read back with `await`. */
  async generateAsync(idx: Tensor, maxNewTokens: number, opts: SampleOptions = {}): Promise<Tensor> {
    checkNewTokens(maxNewTokens);
    return generateTokensAsync(this, this.generation(idx, maxNewTokens), opts);
  }

  /** The steps of generate, for either driver (see TokenProgram). */
  private *generation(idx: Tensor, maxNewTokens: number): TokenProgram {
    const pieces = [idx];
    let { logits, state } = this.forward(idx);
    for (let i = 0; i < maxNewTokens; i++) {
      const next = (yield logits.select(1, 0)).unsqueeze(1); // (B, 1)
      pieces.push(next);
      if (i + 1 < maxNewTokens) ({ logits, state } = this.forward(next, null, state));
    }
    return cat(pieces, 1);
  }
}

function checkNewTokens(maxNewTokens: number): void {
  if (!Number.isInteger(maxNewTokens) || maxNewTokens < 0)
    throw new RangeError(`generate: maxNewTokens must be an integer >= 0, got ${maxNewTokens}`);
}
