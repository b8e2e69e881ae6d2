/** MultiheadAttention, as torch.nn.MultiheadAttention (PyTorch 1.13 semantics and parameter names). */
import { Tensor } from "../../tensor/tensor.js";
import { checkAllocation, fmtShape } from "../../tensor/shape.js";
import { isFloating } from "../../tensor/dtype.js";
import { matmul } from "../../ops/matmul.js";
import { causalSelfAttention } from "../../ops/fused/attention.js";
import { Module } from "../module.js";
import { Parameter } from "../parameter.js";
import * as F from "../functional.js";
import { xavierUniform_, zeros_ } from "../init.js";
import { noGrad } from "../../autograd/grad-mode.js";
import { Linear } from "./linear.js";
import { checkFlag, checkSize } from "./validate.js";
import { optionsOf, positionalOptions } from "../../util/options.js";

/** The output projection; PyTorch gives it this class name (so printing and quantization tools agree). */
export class NonDynamicallyQuantizableLinear extends Linear {}

export interface MultiheadAttentionOptions {
  /** Dropout on the attention weights while training (default 0). */
  dropout?: number;
  /** Biases in the input and output projections (default true). */
  bias?: boolean;
  /** Inputs and outputs are (N, L, E) instead of (L, N, E) (default false). */
  batchFirst?: boolean;
  /** Feature size of the keys (default embedDim). */
  kdim?: number;
  /** Feature size of the values (default embedDim). */
  vdim?: number;
}

export interface MultiheadAttentionForwardOptions {
  /**
   * (L, S) or (N·numHeads, L, S): bool (true = may NOT attend) or float (added to the scores). In the
   * 3-d form, row b·numHeads + h belongs to batch element b and head h.
   */
  attnMask?: Tensor | null;
  /** (N, S): bool (true = padding, ignored) or float (added); (S) for unbatched input. */
  keyPaddingMask?: Tensor | null;
  /** Return the attention weights (default true). */
  needWeights?: boolean;
  /** Average the weights over heads, (N, L, S), or return them per head, (N, numHeads, L, S) (default true). */
  averageAttnWeights?: boolean;
  /** Also mask keys after each query's position (a causal mask). */
  isCausal?: boolean;
}

/**
 * Attention with `numHeads` heads over embedDim-wide features: each head attends with its own
 * embedDim/numHeads-wide slice of the projected queries, keys and values, and out_proj mixes the heads.
 * Parameters as PyTorch's: `in_proj_weight` (3E, E) and `in_proj_bias` (3E) when keys and values are
 * E-wide, else `q_proj_weight`, `k_proj_weight`, `v_proj_weight`; then `out_proj.weight` and `out_proj.bias`.
 * @example
 * const mha = new gs.nn.MultiheadAttention(256, 8, { batchFirst: true });
 * const x = gs.randn([2, 10, 256]);
 * const [y, w] = mha.forward(x, x, x, { isCausal: true }); // y [2, 10, 256], w [2, 10, 10]
 */
export class MultiheadAttention extends Module {
  readonly embedDim: number;
  readonly kdim: number;
  readonly vdim: number;
  readonly numHeads: number;
  readonly headDim: number;
  readonly dropout: number;
  readonly batchFirst: boolean;
  in_proj_weight: Parameter | null = null;
  q_proj_weight: Parameter | null = null;
  k_proj_weight: Parameter | null = null;
  v_proj_weight: Parameter | null = null;
  in_proj_bias: Parameter | null = null;
  out_proj: NonDynamicallyQuantizableLinear;

  /** Options as an object, or PyTorch's positional (embedDim, numHeads, dropout, bias). */
  constructor(
    embedDim: number,
    numHeads: number,
    ...rest:
      | [opts?: MultiheadAttentionOptions]
      | [dropout?: number, bias?: boolean, opts?: MultiheadAttentionOptions]
  ) {
    super();
    const opts = positionalOptions<MultiheadAttentionOptions>(
      "MultiheadAttention",
      rest,
      ["dropout", "bias"],
      ["dropout", "bias", "batchFirst", "kdim", "vdim"],
    );
    this.embedDim = checkSize("MultiheadAttention", "embedDim", embedDim);
    this.numHeads = checkSize("MultiheadAttention", "numHeads", numHeads);
    if (numHeads === 0 || embedDim % numHeads !== 0)
      throw new RangeError(
        `MultiheadAttention: embedDim (${embedDim}) must be divisible by numHeads (${numHeads})`,
      );
    this.headDim = embedDim / numHeads;
    this.kdim = checkSize("MultiheadAttention", "kdim", opts.kdim ?? embedDim);
    this.vdim = checkSize("MultiheadAttention", "vdim", opts.vdim ?? embedDim);
    this.dropout = opts.dropout ?? 0;
    if (typeof this.dropout !== "number" || !(this.dropout >= 0 && this.dropout <= 1))
      throw new RangeError(`MultiheadAttention: dropout must be in [0, 1], got ${String(opts.dropout)}`);
    this.batchFirst = checkFlag("MultiheadAttention", "batchFirst", opts.batchFirst ?? false);
    const E = embedDim;
    checkAllocation([3 * E, Math.max(E, this.kdim, this.vdim)], "MultiheadAttention");
    if (this.kdim === E && this.vdim === E) this.in_proj_weight = new Parameter(Tensor.empty([3 * E, E]));
    else {
      this.q_proj_weight = new Parameter(Tensor.empty([E, E]));
      this.k_proj_weight = new Parameter(Tensor.empty([E, this.kdim]));
      this.v_proj_weight = new Parameter(Tensor.empty([E, this.vdim]));
    }
    const bias = checkFlag("MultiheadAttention", "bias", opts.bias ?? true);
    if (bias) this.in_proj_bias = new Parameter(Tensor.empty([3 * E]));
    this.out_proj = new NonDynamicallyQuantizableLinear(E, E, { bias });
    this.resetParameters();
  }

  /** PyTorch's init: Xavier-uniform projections, zero biases; out_proj.weight keeps Linear's init. */
  resetParameters(): void {
    noGrad(() => {
      for (const w of [this.in_proj_weight, this.q_proj_weight, this.k_proj_weight, this.v_proj_weight])
        if (w) xavierUniform_(w);
      if (this.in_proj_bias) zeros_(this.in_proj_bias);
      if (this.out_proj.bias) zeros_(this.out_proj.bias);
    });
  }

  /** The projection weight and bias of part i (0: query, 1: key, 2: value). */
  #projection(i: 0 | 1 | 2): [Tensor, Tensor | null] {
    const E = this.embedDim;
    const w = this.in_proj_weight
      ? this.in_proj_weight.narrow(0, i * E, E)
      : [this.q_proj_weight, this.k_proj_weight, this.v_proj_weight][i]!;
    return [w, this.in_proj_bias ? this.in_proj_bias.narrow(0, i * E, E) : null];
  }

  /**
   * query (L, N, E), key (S, N, kdim), value (S, N, vdim) — (N, L, E) etc. with batchFirst, or (L, E),
   * (S, kdim), (S, vdim) unbatched — -> [output like query, weights (N, L, S) or (N, numHeads, L, S), or
   * null without needWeights]. Weights are those used to mix the values (after dropout while training).
   */
  override forward(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    options?: MultiheadAttentionForwardOptions,
  ): [Tensor, Tensor | null] {
    const opts = optionsOf("MultiheadAttention.forward", options, [
      "attnMask",
      "keyPaddingMask",
      "needWeights",
      "averageAttnWeights",
      "isCausal",
    ]);
    const needWeights = opts.needWeights ?? true;
    const batched = this.#checkInputs(query, key, value);
    // Work batch first: (N, L, E).
    const toNLE = (t: Tensor) => (!batched ? t.unsqueeze(0) : this.batchFirst ? t : t.transpose(0, 1));
    const q0 = toNLE(query);
    const k0 = toNLE(key);
    const v0 = toNLE(value);
    const [N, L] = q0.shape;
    const S = k0.shape[1];
    const H = this.numHeads;
    const hd = this.headDim;

    const p = this.training ? this.dropout : 0;
    const selfAttention = this.in_proj_weight !== null && query === key && key === value;
    if (selfAttention && !needWeights && opts.isCausal && !opts.attnMask && !opts.keyPaddingMask) {
      // Plain causal self-attention: GPT's op (the fused kernel where the backend prefers it), dropout
      // included: it draws the same key as the general path below and so drops the same weights.
      const qkv = F.linear(q0, this.in_proj_weight!, this.in_proj_bias); // (N, L, 3E)
      const y = this.out_proj.forward(causalSelfAttention(qkv, H, { dropoutP: p, training: p > 0 })); // (N, L, E)
      return [!batched ? y.squeeze(0) : this.batchFirst ? y : y.transpose(0, 1), null];
    }
    let q: Tensor, k: Tensor, v: Tensor;
    if (selfAttention) {
      // Self-attention: one matmul for the three projections.
      [q, k, v] = F.linear(q0, this.in_proj_weight!, this.in_proj_bias).split(this.embedDim, -1);
    } else {
      q = F.linear(q0, ...this.#projection(0));
      k = F.linear(k0, ...this.#projection(1));
      v = F.linear(v0, ...this.#projection(2));
    }
    const heads = (t: Tensor, len: number) => t.reshape([N, len, H, hd]).transpose(1, 2); // (N, H, len, hd)
    const qh = heads(q, L);
    const kh = heads(k, S);
    const vh = heads(v, S);
    const mask = this.#combinedMask(opts, batched, N, L, S, q.dtype);

    let out: Tensor;
    let weights: Tensor | null = null;
    if (needWeights) {
      const att = F.dropout(F.attentionWeights(qh, kh, { attnMask: mask }), p, p > 0); // (N, H, L, S)
      out = matmul(att, vh);
      weights = (opts.averageAttnWeights ?? true) ? att.mean(1) : att;
      if (!batched) weights = weights.squeeze(0);
    } else {
      out = F.scaledDotProductAttention(qh, kh, vh, { attnMask: mask, dropoutP: p, training: p > 0 });
    }
    const merged = out.transpose(1, 2).reshape([N, L, this.embedDim]); // (N, L, E)
    const y = this.out_proj.forward(merged);
    const output = !batched ? y.squeeze(0) : this.batchFirst ? y : y.transpose(0, 1);
    return [output, weights];
  }

  /** Checks ranks and sizes; returns whether the input is batched. */
  #checkInputs(query: Tensor, key: Tensor, value: Tensor): boolean {
    const where = "MultiheadAttention.forward";
    for (const [name, t] of [
      ["query", query],
      ["key", key],
      ["value", value],
    ] as const) {
      if (!(t instanceof Tensor)) throw new TypeError(`${where}: ${name} must be a Tensor, got ${typeof t}`);
      if (!isFloating(t.dtype))
        throw new TypeError(`${where}: ${name} must be a floating-point tensor, got ${t.dtype}`);
    }
    if ((query.ndim !== 3 && query.ndim !== 2) || key.ndim !== query.ndim || value.ndim !== query.ndim)
      throw new RangeError(
        `${where}: query, key and value must all be 3-d (batched) or all 2-d (unbatched), got ${fmtShape(query.shape)}, ${fmtShape(key.shape)}, ${fmtShape(value.shape)}`,
      );
    const batched = query.ndim === 3;
    const layout = !batched ? "(L, E)" : this.batchFirst ? "(N, L, E)" : "(L, N, E)";
    const want = (t: Tensor, e: number, name: string, dimName: string) => {
      if (t.shape[t.ndim - 1] !== e)
        throw new RangeError(
          `${where}: ${name} ${fmtShape(t.shape)} must have last dim ${dimName}=${e} (layout ${layout})`,
        );
    };
    want(query, this.embedDim, "query", "embedDim");
    want(key, this.kdim, "key", "kdim");
    want(value, this.vdim, "value", "vdim");
    const seqDim = batched && !this.batchFirst ? 0 : batched ? 1 : 0;
    if (key.shape[seqDim] !== value.shape[seqDim])
      throw new RangeError(
        `${where}: key ${fmtShape(key.shape)} and value ${fmtShape(value.shape)} must have the same length S (layout ${layout})`,
      );
    if (batched) {
      const b = this.batchFirst ? 0 : 1;
      if (key.shape[b] !== query.shape[b] || value.shape[b] !== query.shape[b])
        throw new RangeError(
          `${where}: query ${fmtShape(query.shape)}, key ${fmtShape(key.shape)} and value ${fmtShape(value.shape)} must have the same batch size N (layout ${layout})`,
        );
    }
    return batched;
  }

  /**
   * attnMask, keyPaddingMask and isCausal as one mask that broadcasts to (N, H, L, S): bool when all
   * parts are bool (true = masked), else float (bool parts become -inf).
   */
  #combinedMask(
    opts: MultiheadAttentionForwardOptions,
    batched: boolean,
    N: number,
    L: number,
    S: number,
    dtype: Tensor["dtype"],
  ): Tensor | null {
    const where = "MultiheadAttention.forward";
    const H = this.numHeads;
    const parts: Tensor[] = [];
    const { attnMask, keyPaddingMask } = opts;
    if (attnMask) {
      checkMaskDType(attnMask, "attnMask");
      const want3 = batched ? [N * H, L, S] : [H, L, S];
      if (attnMask.ndim === 2) {
        if (attnMask.shape[0] !== L || attnMask.shape[1] !== S)
          throw new RangeError(
            `${where}: the 2-d attnMask has shape ${fmtShape(attnMask.shape)}, expected ${fmtShape([L, S])} (L, S)`,
          );
        parts.push(attnMask);
      } else if (attnMask.ndim === 3) {
        if (attnMask.shape.some((s, i) => s !== want3[i]))
          throw new RangeError(
            `${where}: the 3-d attnMask has shape ${fmtShape(attnMask.shape)}, expected ${fmtShape(want3)} (${batched ? "N·numHeads" : "numHeads"}, L, S)`,
          );
        parts.push(attnMask.reshape([N, H, L, S]));
      } else
        throw new RangeError(
          `${where}: attnMask must be 2-d (L, S) = ${fmtShape([L, S])} or 3-d ${fmtShape(want3)}, got ${fmtShape(attnMask.shape)}`,
        );
    }
    if (keyPaddingMask) {
      checkMaskDType(keyPaddingMask, "keyPaddingMask");
      const want = batched ? [N, S] : [S];
      if (keyPaddingMask.ndim !== want.length || keyPaddingMask.shape.some((s, i) => s !== want[i]))
        throw new RangeError(
          `${where}: keyPaddingMask has shape ${fmtShape(keyPaddingMask.shape)}, expected ${fmtShape(want)} (${batched ? "N, S" : "S"})`,
        );
      parts.push(keyPaddingMask.reshape([batched ? N : 1, 1, 1, S]));
    }
    if (opts.isCausal) parts.push(F.causalMask(L, S));
    if (parts.length === 0) return null;
    if (parts.every((m) => m.dtype === "bool")) return parts.reduce((a, b) => a.logicalOr(b));
    const asFloat = (m: Tensor) => (m.dtype === "bool" ? m.to(dtype).maskedFill(m, -Infinity) : m.to(dtype));
    return parts.map(asFloat).reduce((a, b) => a.add(b));
  }
}

function checkMaskDType(m: Tensor, name: string): void {
  if (!(m instanceof Tensor))
    throw new TypeError(`MultiheadAttention.forward: ${name} must be a Tensor, got ${typeof m}`);
  if (m.dtype !== "bool" && !isFloating(m.dtype))
    throw new TypeError(
      `MultiheadAttention.forward: ${name} must be bool (true = masked) or floating point (added to the scores), got ${m.dtype}`,
    );
}
