/**
 * The Transformer of "Attention Is All You Need" as torch.nn builds it (PyTorch 1.13): encoder and
 * decoder layers (post-norm or pre-norm), their stacks, and nn.Transformer, with PyTorch's module tree
 * and state_dict names (`encoder.layers.0.self_attn.in_proj_weight`, `decoder.norm.weight`, ...).
 */
import type { Tensor } from "../../tensor/tensor.js";
import { fmtShape } from "../../tensor/shape.js";
import { full } from "../../tensor/create.js";
import { noGrad } from "../../autograd/grad-mode.js";
import { Module } from "../module.js";
import { ModuleList } from "../containers.js";
import * as F from "../functional.js";
import { xavierUniform_ } from "../init.js";
import { Linear } from "./linear.js";
import { LayerNorm } from "./layernorm.js";
import { Dropout } from "./dropout.js";
import { MultiheadAttention } from "./attention.js";
import { checkFlag, checkSize } from "./validate.js";
import { optionsOf, positionalOptions } from "../../util/options.js";

export type TransformerActivation = "relu" | "gelu" | ((x: Tensor) => Tensor);

export interface TransformerLayerOptions {
  dimFeedforward?: number;
  dropout?: number;
  /** The feed-forward activation: "relu" (default), "gelu" (exact), or a function. */
  activation?: TransformerActivation;
  layerNormEps?: number;
  /** Inputs and outputs are (N, L, E) instead of (L, N, E). */
  batchFirst?: boolean;
  /** Pre-norm: x + f(norm(x)), instead of post-norm: norm(x + f(x)). */
  normFirst?: boolean;
}

type ResolvedLayerOptions = Required<TransformerLayerOptions>;

const LAYER_KEYS = [
  "dimFeedforward",
  "dropout",
  "activation",
  "layerNormEps",
  "batchFirst",
  "normFirst",
] as const;
/** PyTorch's positional order of the encoder and decoder layers after (dModel, nhead). */
type LayerPositional = [
  dimFeedforward?: number,
  dropout?: number,
  activation?: TransformerActivation,
  layerNormEps?: number,
  batchFirst?: boolean,
  normFirst?: boolean,
];

function resolveLayerOptions(where: string, o: TransformerLayerOptions): ResolvedLayerOptions {
  const r: ResolvedLayerOptions = {
    dimFeedforward: checkSize(where, "dimFeedforward", o.dimFeedforward ?? 2048),
    dropout: o.dropout ?? 0.1,
    activation: o.activation ?? "relu",
    layerNormEps: o.layerNormEps ?? 1e-5,
    batchFirst: checkFlag(where, "batchFirst", o.batchFirst ?? false),
    normFirst: checkFlag(where, "normFirst", o.normFirst ?? false),
  };
  if (typeof r.activation !== "function" && r.activation !== "relu" && r.activation !== "gelu")
    throw new TypeError(
      `${where}: activation must be "relu", "gelu" or a function, got ${String(r.activation)}`,
    );
  return r;
}

function activate(x: Tensor, activation: TransformerActivation): Tensor {
  if (activation === "relu") return F.relu(x);
  if (activation === "gelu") return F.gelu(x);
  return activation(x);
}

/** Copies of a layer holding the same initial weights, as PyTorch's _get_clones (deepcopy). */
function clones<M extends Module>(layer: M, n: number, make: () => M, where: string): ModuleList<M> {
  checkSize(where, "numLayers", n);
  const weights = layer.stateDict();
  return new ModuleList(
    Array.from({ length: n }, () => {
      const m = make();
      m.loadStateDict(weights);
      return m.train(layer.training);
    }),
  );
}

export interface EncoderLayerForwardOptions {
  /** (L, L) or (N·nhead, L, L): bool (true = may not attend) or float (added). */
  srcMask?: Tensor | null;
  /** (N, L) bool, true at padding. */
  srcKeyPaddingMask?: Tensor | null;
  /** Self-attention is causal. */
  isCausal?: boolean;
}

/**
 * Self-attention then a feed-forward network, each with dropout, a residual connection and LayerNorm.
 * Children as PyTorch's: self_attn, linear1, dropout, linear2, norm1, norm2, dropout1, dropout2.
 * @example
 * const layer = new gs.nn.TransformerEncoderLayer(512, 8, { batchFirst: true });
 * const y = layer.forward(gs.randn([32, 10, 512])); // [32, 10, 512]
 */
export class TransformerEncoderLayer extends Module {
  readonly dModel: number;
  readonly nhead: number;
  readonly options: Readonly<ResolvedLayerOptions>;
  self_attn: MultiheadAttention;
  linear1: Linear;
  dropout: Dropout;
  linear2: Linear;
  norm1: LayerNorm;
  norm2: LayerNorm;
  dropout1: Dropout;
  dropout2: Dropout;

  /** Options as an object, or PyTorch's positional (dimFeedforward, dropout, activation, layerNormEps, batchFirst, normFirst). */
  constructor(dModel: number, nhead: number, ...rest: [opts?: TransformerLayerOptions] | LayerPositional) {
    super();
    const where = "TransformerEncoderLayer";
    const o = resolveLayerOptions(
      where,
      positionalOptions<TransformerLayerOptions>(where, rest, LAYER_KEYS, LAYER_KEYS),
    );
    this.dModel = dModel;
    this.nhead = nhead;
    this.options = Object.freeze(o);
    this.self_attn = new MultiheadAttention(dModel, nhead, { dropout: o.dropout, batchFirst: o.batchFirst });
    this.linear1 = new Linear(dModel, o.dimFeedforward);
    this.dropout = new Dropout(o.dropout);
    this.linear2 = new Linear(o.dimFeedforward, dModel);
    this.norm1 = new LayerNorm(dModel, { eps: o.layerNormEps });
    this.norm2 = new LayerNorm(dModel, { eps: o.layerNormEps });
    this.dropout1 = new Dropout(o.dropout);
    this.dropout2 = new Dropout(o.dropout);
  }

  /** src (L, N, E), or (N, L, E) with batchFirst -> the same shape. */
  override forward(src: Tensor, options?: EncoderLayerForwardOptions): Tensor {
    const opts = optionsOf("TransformerEncoderLayer.forward", options, [
      "srcMask",
      "srcKeyPaddingMask",
      "isCausal",
    ]);
    const sa = (x: Tensor) =>
      this.dropout1.forward(
        this.self_attn.forward(x, x, x, {
          attnMask: opts.srcMask,
          keyPaddingMask: opts.srcKeyPaddingMask,
          isCausal: opts.isCausal,
          needWeights: false,
        })[0],
      );
    let x = src;
    if (this.options.normFirst) {
      x = x.add(sa(this.norm1.forward(x)));
      x = x.add(this.#ff(this.norm2.forward(x)));
    } else {
      x = this.norm1.forward(x.add(sa(x)));
      x = this.norm2.forward(x.add(this.#ff(x)));
    }
    return x;
  }

  #ff(x: Tensor): Tensor {
    const h = this.dropout.forward(activate(this.linear1.forward(x), this.options.activation));
    return this.dropout2.forward(this.linear2.forward(h));
  }

  /** A new layer with the same settings and a copy of this layer's weights. */
  clone(): TransformerEncoderLayer {
    return clones(
      this,
      1,
      () => new TransformerEncoderLayer(this.dModel, this.nhead, this.options),
      "clone",
    ).at(0);
  }
}

export interface DecoderLayerForwardOptions {
  /** (T, T) or (N·nhead, T, T) mask of the self-attention (true / -inf = may not attend). */
  tgtMask?: Tensor | null;
  /** (T, S) or (N·nhead, T, S) mask of the attention over the memory. */
  memoryMask?: Tensor | null;
  /** (N, T) bool, true at padding of the target. */
  tgtKeyPaddingMask?: Tensor | null;
  /** (N, S) bool, true at padding of the memory (the source). */
  memoryKeyPaddingMask?: Tensor | null;
  /** Self-attention is causal. */
  tgtIsCausal?: boolean;
  /** Attention over the memory is causal. */
  memoryIsCausal?: boolean;
}

/** A decoder layer's output with the attention weights (averaged over heads) of its two attentions. */
export interface DecoderLayerOutput {
  output: Tensor;
  /** (N, T, T) */
  selfAttention: Tensor;
  /** (N, T, S): how much each target position looks at each source position. */
  crossAttention: Tensor;
}

/**
 * Self-attention, attention over the encoder's output (the memory), then a feed-forward network.
 * Children as PyTorch's: self_attn, multihead_attn, linear1, dropout, linear2, norm1-3, dropout1-3.
 * @example
 * const layer = new gs.nn.TransformerDecoderLayer(512, 8, { batchFirst: true });
 * const y = layer.forward(gs.randn([32, 12, 512]), memory, { tgtIsCausal: true });
 */
export class TransformerDecoderLayer extends Module {
  readonly dModel: number;
  readonly nhead: number;
  readonly options: Readonly<ResolvedLayerOptions>;
  self_attn: MultiheadAttention;
  multihead_attn: MultiheadAttention;
  linear1: Linear;
  dropout: Dropout;
  linear2: Linear;
  norm1: LayerNorm;
  norm2: LayerNorm;
  norm3: LayerNorm;
  dropout1: Dropout;
  dropout2: Dropout;
  dropout3: Dropout;

  /** Options as an object, or PyTorch's positional (dimFeedforward, dropout, activation, layerNormEps, batchFirst, normFirst). */
  constructor(dModel: number, nhead: number, ...rest: [opts?: TransformerLayerOptions] | LayerPositional) {
    super();
    const where = "TransformerDecoderLayer";
    const o = resolveLayerOptions(
      where,
      positionalOptions<TransformerLayerOptions>(where, rest, LAYER_KEYS, LAYER_KEYS),
    );
    this.dModel = dModel;
    this.nhead = nhead;
    this.options = Object.freeze(o);
    const mha = () => new MultiheadAttention(dModel, nhead, { dropout: o.dropout, batchFirst: o.batchFirst });
    this.self_attn = mha();
    this.multihead_attn = mha();
    this.linear1 = new Linear(dModel, o.dimFeedforward);
    this.dropout = new Dropout(o.dropout);
    this.linear2 = new Linear(o.dimFeedforward, dModel);
    this.norm1 = new LayerNorm(dModel, { eps: o.layerNormEps });
    this.norm2 = new LayerNorm(dModel, { eps: o.layerNormEps });
    this.norm3 = new LayerNorm(dModel, { eps: o.layerNormEps });
    this.dropout1 = new Dropout(o.dropout);
    this.dropout2 = new Dropout(o.dropout);
    this.dropout3 = new Dropout(o.dropout);
  }

  /** tgt (T, N, E) and memory (S, N, E), or batch first -> like tgt. */
  override forward(tgt: Tensor, memory: Tensor, opts: DecoderLayerForwardOptions = {}): Tensor {
    return this.#run(tgt, memory, opts, false).output;
  }

  /** forward, also returning both attentions' weights averaged over heads (for display). */
  forwardWithAttention(
    tgt: Tensor,
    memory: Tensor,
    opts: DecoderLayerForwardOptions = {},
  ): DecoderLayerOutput {
    return this.#run(tgt, memory, opts, true) as DecoderLayerOutput;
  }

  #run(
    tgt: Tensor,
    memory: Tensor,
    opts: DecoderLayerForwardOptions,
    needWeights: boolean,
  ): { output: Tensor; selfAttention: Tensor | null; crossAttention: Tensor | null } {
    let selfAttention: Tensor | null = null;
    let crossAttention: Tensor | null = null;
    const sa = (x: Tensor) => {
      const [y, w] = this.self_attn.forward(x, x, x, {
        attnMask: opts.tgtMask,
        keyPaddingMask: opts.tgtKeyPaddingMask,
        isCausal: opts.tgtIsCausal,
        needWeights,
      });
      selfAttention = w;
      return this.dropout1.forward(y);
    };
    const mha = (x: Tensor) => {
      const [y, w] = this.multihead_attn.forward(x, memory, memory, {
        attnMask: opts.memoryMask,
        keyPaddingMask: opts.memoryKeyPaddingMask,
        isCausal: opts.memoryIsCausal,
        needWeights,
      });
      crossAttention = w;
      return this.dropout2.forward(y);
    };
    let x = tgt;
    if (this.options.normFirst) {
      x = x.add(sa(this.norm1.forward(x)));
      x = x.add(mha(this.norm2.forward(x)));
      x = x.add(this.#ff(this.norm3.forward(x)));
    } else {
      x = this.norm1.forward(x.add(sa(x)));
      x = this.norm2.forward(x.add(mha(x)));
      x = this.norm3.forward(x.add(this.#ff(x)));
    }
    return { output: x, selfAttention, crossAttention };
  }

  #ff(x: Tensor): Tensor {
    const h = this.dropout.forward(activate(this.linear1.forward(x), this.options.activation));
    return this.dropout3.forward(this.linear2.forward(h));
  }

  /** A new layer with the same settings and a copy of this layer's weights. */
  clone(): TransformerDecoderLayer {
    return clones(
      this,
      1,
      () => new TransformerDecoderLayer(this.dModel, this.nhead, this.options),
      "clone",
    ).at(0);
  }
}

export interface EncoderForwardOptions {
  /** The self-attention mask of every layer (see TransformerEncoderLayer). */
  mask?: Tensor | null;
  srcKeyPaddingMask?: Tensor | null;
  isCausal?: boolean;
}

/**
 * `numLayers` copies of an encoder layer (same initial weights, as PyTorch's deepcopy), then an
 * optional final norm. Children: layers.0, layers.1, ..., norm.
 * @example
 * const enc = new gs.nn.TransformerEncoder(new gs.nn.TransformerEncoderLayer(512, 8), 6);
 */
export class TransformerEncoder extends Module {
  layers: ModuleList<TransformerEncoderLayer>;
  readonly numLayers: number;
  norm: Module | null;

  /** The final norm as an option, or PyTorch's positional `norm`. */
  constructor(
    encoderLayer: TransformerEncoderLayer,
    numLayers: number,
    ...rest: [opts?: { norm?: Module | null }] | [norm: Module | null]
  ) {
    super();
    const opts = positionalOptions<{ norm?: Module | null }>("TransformerEncoder", rest, ["norm"], ["norm"]);
    if (!(encoderLayer instanceof TransformerEncoderLayer))
      throw new TypeError("TransformerEncoder: encoderLayer must be a TransformerEncoderLayer");
    this.layers = clones(
      encoderLayer,
      numLayers,
      () => new TransformerEncoderLayer(encoderLayer.dModel, encoderLayer.nhead, encoderLayer.options),
      "TransformerEncoder",
    );
    this.numLayers = numLayers;
    this.norm = opts.norm ?? null;
  }

  /** src (S, N, E), or (N, S, E) with batchFirst layers -> the same shape. */
  override forward(src: Tensor, options?: EncoderForwardOptions): Tensor {
    const opts = optionsOf("TransformerEncoder.forward", options, ["mask", "srcKeyPaddingMask", "isCausal"]);
    let x = src;
    const layerOpts = {
      srcMask: opts.mask,
      srcKeyPaddingMask: opts.srcKeyPaddingMask,
      isCausal: opts.isCausal,
    };
    for (const layer of this.layers) x = layer.forward(x, layerOpts);
    return this.norm ? (this.norm.forward(x) as Tensor) : x;
  }
}

/**
 * `numLayers` copies of a decoder layer, then an optional final norm. Children: layers.0, ..., norm.
 * @example
 * const dec = new gs.nn.TransformerDecoder(new gs.nn.TransformerDecoderLayer(512, 8), 6);
 */
export class TransformerDecoder extends Module {
  layers: ModuleList<TransformerDecoderLayer>;
  readonly numLayers: number;
  norm: Module | null;

  /** The final norm as an option, or PyTorch's positional `norm`. */
  constructor(
    decoderLayer: TransformerDecoderLayer,
    numLayers: number,
    ...rest: [opts?: { norm?: Module | null }] | [norm: Module | null]
  ) {
    super();
    const opts = positionalOptions<{ norm?: Module | null }>("TransformerDecoder", rest, ["norm"], ["norm"]);
    if (!(decoderLayer instanceof TransformerDecoderLayer))
      throw new TypeError("TransformerDecoder: decoderLayer must be a TransformerDecoderLayer");
    this.layers = clones(
      decoderLayer,
      numLayers,
      () => new TransformerDecoderLayer(decoderLayer.dModel, decoderLayer.nhead, decoderLayer.options),
      "TransformerDecoder",
    );
    this.numLayers = numLayers;
    this.norm = opts.norm ?? null;
  }

  /** tgt (T, N, E) and memory (S, N, E), or batch first -> like tgt. */
  override forward(tgt: Tensor, memory: Tensor, opts: DecoderLayerForwardOptions = {}): Tensor {
    let x = tgt;
    for (const layer of this.layers) x = layer.forward(x, memory, opts);
    return this.norm ? (this.norm.forward(x) as Tensor) : x;
  }

  /** forward, also returning the last layer's attention weights (averaged over heads). */
  forwardWithAttention(
    tgt: Tensor,
    memory: Tensor,
    opts: DecoderLayerForwardOptions = {},
  ): DecoderLayerOutput {
    const layers = [...this.layers];
    if (layers.length === 0)
      throw new Error("TransformerDecoder.forwardWithAttention: the decoder has no layers");
    let x = tgt;
    layers.slice(0, -1).forEach((layer) => (x = layer.forward(x, memory, opts)));
    const last = layers[layers.length - 1].forwardWithAttention(x, memory, opts);
    return { ...last, output: this.norm ? (this.norm.forward(last.output) as Tensor) : last.output };
  }
}

export interface TransformerOptions extends TransformerLayerOptions {
  dModel?: number;
  nhead?: number;
  numEncoderLayers?: number;
  numDecoderLayers?: number;
  /** Used instead of the standard encoder (then numEncoderLayers is ignored). */
  customEncoder?: Module;
  customDecoder?: Module;
}

export interface TransformerForwardOptions extends DecoderLayerForwardOptions {
  srcMask?: Tensor | null;
  srcKeyPaddingMask?: Tensor | null;
  srcIsCausal?: boolean;
}

/**
 * The encoder-decoder Transformer as torch.nn.Transformer: encoder (layers + final LayerNorm) and
 * decoder (layers + final LayerNorm); every parameter with more than one dim is re-initialised
 * Xavier-uniform. Defaults are PyTorch's (dModel 512, 8 heads, 6 + 6 layers, FF 2048, dropout 0.1).
 * @example
 * const model = new gs.nn.Transformer({ dModel: 256, nhead: 8, numEncoderLayers: 3, numDecoderLayers: 3, batchFirst: true });
 * const tgtMask = gs.nn.Transformer.generateSquareSubsequentMask(12);
 * const y = model.forward(gs.randn([2, 10, 256]), gs.randn([2, 12, 256]), { tgtMask }); // [2, 12, 256]
 */
export class Transformer extends Module {
  encoder: Module;
  decoder: Module;
  readonly dModel: number;
  readonly nhead: number;
  readonly batchFirst: boolean;

  constructor(options?: TransformerOptions) {
    super();
    const opts = optionsOf("Transformer", options, [
      ...LAYER_KEYS,
      "dModel",
      "nhead",
      "numEncoderLayers",
      "numDecoderLayers",
      "customEncoder",
      "customDecoder",
    ]);
    const dModel = opts.dModel ?? 512;
    const nhead = opts.nhead ?? 8;
    const layerOpts: TransformerLayerOptions = {
      dimFeedforward: opts.dimFeedforward,
      dropout: opts.dropout,
      activation: opts.activation,
      layerNormEps: opts.layerNormEps,
      batchFirst: opts.batchFirst,
      normFirst: opts.normFirst,
    };
    const eps = opts.layerNormEps ?? 1e-5;
    this.encoder =
      opts.customEncoder ??
      new TransformerEncoder(
        new TransformerEncoderLayer(dModel, nhead, layerOpts),
        opts.numEncoderLayers ?? 6,
        {
          norm: new LayerNorm(dModel, { eps }),
        },
      );
    this.decoder =
      opts.customDecoder ??
      new TransformerDecoder(
        new TransformerDecoderLayer(dModel, nhead, layerOpts),
        opts.numDecoderLayers ?? 6,
        {
          norm: new LayerNorm(dModel, { eps }),
        },
      );
    this.dModel = dModel;
    this.nhead = nhead;
    this.batchFirst = opts.batchFirst ?? false;
    noGrad(() => {
      for (const p of this.parameters()) if (p.ndim > 1) xavierUniform_(p);
    });
  }

  /** src (S, N, E) and tgt (T, N, E), or batch first -> (T, N, E) (or (N, T, E)). */
  override forward(src: Tensor, tgt: Tensor, opts: TransformerForwardOptions = {}): Tensor {
    const batched = src.ndim === 3;
    const b = this.batchFirst ? 0 : 1;
    if (batched && src.shape[b] !== tgt.shape[b])
      throw new RangeError(
        `Transformer.forward: the batch sizes of src ${fmtShape(src.shape)} and tgt ${fmtShape(tgt.shape)} must be equal (batchFirst=${this.batchFirst})`,
      );
    if (src.shape[src.ndim - 1] !== this.dModel || tgt.shape[tgt.ndim - 1] !== this.dModel)
      throw new RangeError(
        `Transformer.forward: src ${fmtShape(src.shape)} and tgt ${fmtShape(tgt.shape)} must both have last dim dModel=${this.dModel}`,
      );
    const memory = this.encoder.forward(src, {
      mask: opts.srcMask,
      srcKeyPaddingMask: opts.srcKeyPaddingMask,
      isCausal: opts.srcIsCausal,
    }) as Tensor;
    return this.decoder.forward(tgt, memory, opts) as Tensor;
  }

  /** A float (sz, sz) mask with -inf above the diagonal and 0 elsewhere: position i sees 0..i. */
  static generateSquareSubsequentMask(sz: number): Tensor {
    checkSize("Transformer.generateSquareSubsequentMask", "sz", sz);
    return full([sz, sz], -Infinity).triu(1);
  }
}
