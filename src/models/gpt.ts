/**
 * GPT: a decoder-only Transformer, written the way nanoGPT's model.py writes it, with the same module
 * tree and state_dict names (transformer.wte, transformer.h.0.attn.c_attn, lm_head, ...), so weights
 * move between gradstack and nanoGPT with a key-by-key copy. The MLP uses GELU with the tanh
 * approximation, as GPT-2 did.
 */
import { Tensor } from "../tensor/tensor.js";
import { arange } from "../tensor/create.js";
import { cat } from "../ops/indexing.js";
import { noGrad } from "../autograd/grad-mode.js";
import { fmtShape } from "../tensor/shape.js";
import { Module, type StateDict } from "../nn/module.js";
import { ModuleDict, ModuleList } from "../nn/containers.js";
import { Linear } from "../nn/layers/linear.js";
import { Embedding } from "../nn/layers/embedding.js";
import { LayerNorm } from "../nn/layers/layernorm.js";
import { Dropout } from "../nn/layers/dropout.js";
import * as init from "../nn/init.js";
import * as F from "../nn/functional.js";
import { AdamW } from "../optim/adam.js";
import { generateTokens, generateTokensAsync, type SampleOptions, type TokenProgram } from "./sampling.js";
import { causalSelfAttention } from "../ops/fused/attention.js";

export interface GPTConfig {
  blockSize: number;
  vocabSize: number;
  nLayer: number;
  nHead: number;
  nEmbd: number;
  dropout: number;
  /** Biases in Linear layers and LayerNorms (GPT-2: true; false is a bit better and faster). */
  bias: boolean;
}

export const GPT_DEFAULTS: GPTConfig = {
  blockSize: 1024,
  vocabSize: 50304,
  nLayer: 12,
  nHead: 12,
  nEmbd: 768,
  dropout: 0,
  bias: true,
};

/** Keys and values of earlier positions, per layer, so generation does not recompute them. */
export interface KVCache {
  layers: { k: Tensor; v: Tensor }[];
  /** Number of positions already in the cache. */
  length: number;
}

export class CausalSelfAttention extends Module {
  c_attn: Linear;
  c_proj: Linear;
  attn_dropout: Dropout;
  resid_dropout: Dropout;
  readonly nHead: number;
  readonly nEmbd: number;

  constructor(config: GPTConfig) {
    super();
    if (config.nEmbd % config.nHead !== 0)
      throw new RangeError(`GPT: nEmbd (${config.nEmbd}) must be divisible by nHead (${config.nHead})`);
    this.c_attn = new Linear(config.nEmbd, 3 * config.nEmbd, { bias: config.bias });
    this.c_proj = new Linear(config.nEmbd, config.nEmbd, { bias: config.bias });
    this.attn_dropout = new Dropout(config.dropout);
    this.resid_dropout = new Dropout(config.dropout);
    this.nHead = config.nHead;
    this.nEmbd = config.nEmbd;
  }

  /** x (B, T, C) -> (B, T, C). With `cache`, x holds the new positions only, and the cache grows by T. */
  forward(x: Tensor, cache?: { entry: { k: Tensor; v: Tensor } | null; past: number }): Tensor {
    const qkv = this.c_attn.forward(x); // (B, T, 3C)
    const dropoutP = this.training ? this.attn_dropout.p : 0;
    // The fused kernel where it can run, else its composition (ops/fused/attention.ts).
    const y = causalSelfAttention(qkv, this.nHead, { cache, dropoutP }); // (B, T, C)
    return this.resid_dropout.forward(this.c_proj.forward(y));
  }
}

export class MLP extends Module {
  c_fc: Linear;
  c_proj: Linear;
  dropout: Dropout;

  constructor(config: GPTConfig) {
    super();
    this.c_fc = new Linear(config.nEmbd, 4 * config.nEmbd, { bias: config.bias });
    this.c_proj = new Linear(4 * config.nEmbd, config.nEmbd, { bias: config.bias });
    this.dropout = new Dropout(config.dropout);
  }

  forward(x: Tensor): Tensor {
    return this.dropout.forward(this.c_proj.forward(F.gelu(this.c_fc.forward(x), { approximate: "tanh" })));
  }
}

/** A pre-norm Transformer block: x + attn(ln_1(x)), then x + mlp(ln_2(x)). */
export class Block extends Module {
  ln_1: LayerNorm;
  attn: CausalSelfAttention;
  ln_2: LayerNorm;
  mlp: MLP;

  constructor(config: GPTConfig) {
    super();
    this.ln_1 = new LayerNorm(config.nEmbd, { bias: config.bias });
    this.attn = new CausalSelfAttention(config);
    this.ln_2 = new LayerNorm(config.nEmbd, { bias: config.bias });
    this.mlp = new MLP(config);
  }

  forward(x: Tensor, cache?: { entry: { k: Tensor; v: Tensor } | null; past: number }): Tensor {
    const h = x.add(this.attn.forward(this.ln_1.forward(x), cache));
    return h.add(this.mlp.forward(this.ln_2.forward(h)));
  }
}

export interface GPTOutput {
  /** (B, T, vocab) with targets; (B, 1, vocab) for the last position only without. */
  logits: Tensor;
  loss: Tensor | null;
}

export class GPT extends Module {
  readonly config: GPTConfig;
  transformer: ModuleDict;
  lm_head: Linear;

  constructor(config: Partial<GPTConfig> & Pick<GPTConfig, "vocabSize" | "blockSize">) {
    super();
    const c = { ...GPT_DEFAULTS, ...config };
    for (const key of ["blockSize", "vocabSize", "nLayer", "nHead", "nEmbd"] as const)
      if (!Number.isInteger(c[key]) || c[key] <= 0)
        throw new RangeError(`GPT: ${key} must be a positive integer, got ${c[key]}`);
    if (!(c.dropout >= 0 && c.dropout < 1))
      throw new RangeError(`GPT: dropout must be in [0, 1), got ${c.dropout}`);
    this.config = c;
    this.transformer = new ModuleDict({
      wte: new Embedding(c.vocabSize, c.nEmbd),
      wpe: new Embedding(c.blockSize, c.nEmbd),
      drop: new Dropout(c.dropout),
      h: new ModuleList(Array.from({ length: c.nLayer }, () => new Block(c))),
      ln_f: new LayerNorm(c.nEmbd, { bias: c.bias }),
    });
    this.lm_head = new Linear(c.nEmbd, c.vocabSize, { bias: false });
    // Weight tying: the output projection is the token embedding (one parameter to the optimizer).
    this.wte.weight = this.lm_head.weight;
    this.initWeights();
  }

  get wte(): Embedding {
    return this.transformer.get("wte") as Embedding;
  }
  get wpe(): Embedding {
    return this.transformer.get("wpe") as Embedding;
  }
  get blocks(): Block[] {
    return [...(this.transformer.get("h") as ModuleList)] as Block[];
  }
  get blockSize(): number {
    return this.config.blockSize;
  }

  /** nanoGPT's init: N(0, 0.02) for Linear and Embedding weights, zero biases, and residual projections scaled by 1/√(2·nLayer). */
  private initWeights(): void {
    noGrad(() => {
      for (const m of this.modules()) {
        if (m instanceof Linear) {
          init.normal_(m.weight, 0, 0.02);
          if (m.bias) init.zeros_(m.bias);
        } else if (m instanceof Embedding) init.normal_(m.weight, 0, 0.02);
      }
      for (const [name, p] of this.namedParameters())
        if (name.endsWith("c_proj.weight")) init.normal_(p, 0, 0.02 / Math.sqrt(2 * this.config.nLayer));
    });
  }

  /** Parameters, without the position embeddings by default (as nanoGPT counts them). */
  getNumParams(nonEmbedding = true): number {
    const n = this.numParameters();
    return nonEmbedding ? n - this.wpe.weight.numel() : n;
  }

  /**
   * idx (B, T) int32 token ids -> logits, and the mean cross-entropy when targets (B, T) are given
   * (targets of -1 are ignored). Without targets only the last position's logits are computed.
   */
  forward(idx: Tensor, targets?: Tensor | null, cache?: KVCache): GPTOutput {
    if (idx.ndim !== 2 || idx.dtype !== "int32")
      throw new RangeError(
        `GPT.forward: idx must be an int32 tensor of shape (B, T), got ${idx.dtype} ${fmtShape(idx.shape)}`,
      );
    const [B, T] = idx.shape;
    const past = cache?.length ?? 0;
    if (past + T > this.config.blockSize)
      throw new RangeError(
        `GPT.forward: cannot forward a sequence of length ${past + T}, the block size is only ${this.config.blockSize}`,
      );
    const pos = arange(past, past + T, 1, { device: idx.device }); // (T)
    const tokEmb = this.wte.forward(idx); // (B, T, C)
    const posEmb = this.wpe.forward(pos); // (T, C)
    let x = (this.transformer.get("drop") as Dropout).forward(tokEmb.add(posEmb));
    this.blocks.forEach((block, i) => {
      if (!cache) {
        x = block.forward(x);
        return;
      }
      const slot = { entry: cache.layers[i] ?? null, past };
      x = block.forward(x, slot);
      cache.layers[i] = slot.entry!;
    });
    if (cache) cache.length = past + T;
    x = (this.transformer.get("ln_f") as LayerNorm).forward(x);
    if (targets) {
      if (targets.shape.length !== 2 || targets.shape[0] !== B || targets.shape[1] !== T)
        throw new RangeError(
          `GPT.forward: targets ${fmtShape(targets.shape)} must match idx ${fmtShape(idx.shape)}`,
        );
      const logits = this.lm_head.forward(x); // (B, T, vocab)
      const loss = F.crossEntropy(logits.view([B * T, -1]), targets.reshape([B * T]), { ignoreIndex: -1 });
      return { logits, loss };
    }
    // Inference: only the last position is needed (a list index keeps the time dim).
    return { logits: this.lm_head.forward(x.narrow(1, T - 1, 1)), loss: null };
  }

  /**
   * Extends idx (B, T) by maxNewTokens sampled tokens, feeding each back in. A KV cache keeps earlier
   * keys and values while the sequence fits the block; beyond it the context is cropped and recomputed.
   * The logits are read synchronously: on a device the host cannot read, use generateAsync.
   */
  generate(idx: Tensor, maxNewTokens: number, opts: SampleOptions & { useCache?: boolean } = {}): Tensor {
    return generateTokens(this, this.generation(idx, maxNewTokens, opts.useCache), opts);
  }

  /**
   * generate on any device (webgpu): the model and idx stay there, and each step's logits are read back
   * with `await`. The same seed gives the CPU's tokens (up to float32 ties between logits).
   */
  async generateAsync(
    idx: Tensor,
    maxNewTokens: number,
    opts: SampleOptions & { useCache?: boolean } = {},
  ): Promise<Tensor> {
    return generateTokensAsync(this, this.generation(idx, maxNewTokens, opts.useCache), opts);
  }

  /** The steps of generate, for either driver (see TokenProgram). */
  private *generation(idx: Tensor, maxNewTokens: number, useCache = true): TokenProgram {
    let seq = idx;
    let cache: KVCache | null = useCache ? { layers: [], length: 0 } : null;
    let fed = 0; // tokens of seq already in the cache
    for (let i = 0; i < maxNewTokens; i++) {
      const T = seq.shape[1];
      let logits: Tensor;
      if (cache && T <= this.config.blockSize) {
        logits = this.forward(seq.narrow(1, fed, T - fed), null, cache).logits;
        fed = T;
      } else {
        cache = null; // the window slides: positions shift, so cached keys no longer apply
        const ctx =
          T <= this.config.blockSize ? seq : seq.narrow(1, T - this.config.blockSize, this.config.blockSize);
        logits = this.forward(ctx).logits;
      }
      const next = yield logits.select(1, 0); // (B)
      seq = cat([seq, next.unsqueeze(1)], 1);
    }
    return seq;
  }

  /** AdamW with weight decay on the ≥2-d parameters only (matmul weights and embeddings), as nanoGPT. */
  configureOptimizers(opts: {
    weightDecay: number;
    lr: number;
    betas: [number, number];
    verbose?: boolean;
  }): AdamW {
    const params = this.parameters();
    const decay = params.filter((p) => p.ndim >= 2);
    const noDecay = params.filter((p) => p.ndim < 2);
    if (opts.verbose) {
      const count = (ps: Tensor[]) => ps.reduce((n, p) => n + p.numel(), 0).toLocaleString("en-US");
      console.log(`num decayed parameter tensors: ${decay.length}, with ${count(decay)} parameters`);
      console.log(`num non-decayed parameter tensors: ${noDecay.length}, with ${count(noDecay)} parameters`);
    }
    return new AdamW(
      [
        { params: decay, weightDecay: opts.weightDecay },
        { params: noDecay, weightDecay: 0 },
      ],
      { lr: opts.lr, betas: opts.betas },
    );
  }

  /**
   * A GPT from a state dict in nanoGPT's layout, or in Hugging Face's GPT-2 layout (keys without the
   * `transformer.` prefix and Conv1D weights stored as (in, out)). The config comes from the shapes;
   * nHead cannot be read from weights and defaults to nEmbd / 64 (every GPT-2 size uses 64-wide heads).
   */
  static fromStateDict(
    dict: StateDict,
    opts: { layout?: "nanogpt" | "hf-gpt2"; nHead?: number; dropout?: number } = {},
  ): GPT {
    const layout = opts.layout ?? "nanogpt";
    const sd = layout === "hf-gpt2" ? fromHfGpt2(dict) : dict;
    const wte = sd["transformer.wte.weight"];
    const wpe = sd["transformer.wpe.weight"];
    if (!wte || !wpe)
      throw new RangeError(
        `GPT.fromStateDict: no transformer.wte.weight / transformer.wpe.weight in a "${layout}" state dict`,
      );
    const nLayer = new Set(Object.keys(sd).flatMap((k) => /^transformer\.h\.(\d+)\./.exec(k)?.[1] ?? []))
      .size;
    const nEmbd = wte.shape[1];
    const model = new GPT({
      vocabSize: wte.shape[0],
      blockSize: wpe.shape[0],
      nEmbd,
      nLayer,
      nHead: opts.nHead ?? Math.max(1, Math.round(nEmbd / 64)),
      dropout: opts.dropout ?? 0,
      bias: "transformer.ln_f.bias" in sd,
    });
    const withHead = { ...sd, "lm_head.weight": sd["lm_head.weight"] ?? wte };
    model.loadStateDict(withHead);
    return model;
  }
}

const CONV1D = /\.(attn\.c_attn|attn\.c_proj|mlp\.c_fc|mlp\.c_proj)\.weight$/;

/** HF GPT-2 keys -> nanoGPT keys; Conv1D weights (in, out) are transposed to Linear's (out, in). */
function fromHfGpt2(dict: StateDict): StateDict {
  const out: StateDict = {};
  for (const [key, t] of Object.entries(dict)) {
    if (key.endsWith(".attn.bias") || key.endsWith(".attn.masked_bias")) continue; // causal-mask buffers
    const name = key.startsWith("transformer.") || key === "lm_head.weight" ? key : `transformer.${key}`;
    out[name] = CONV1D.test(name) ? t.transpose(0, 1).contiguous() : t;
  }
  return out;
}
