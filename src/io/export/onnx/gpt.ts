/**
 * The GPT of models/gpt.ts as an ONNX graph (opset 17): input `idx` (int64 token ids, batch × sequence),
 * output `logits` (float32, batch × sequence × vocab, every position), both axes dynamic up to the
 * block size. The same computation as GPT.forward: token + position embeddings, pre-LayerNorm blocks of
 * causal self-attention (additive -inf mask above the diagonal) and an MLP with tanh-GELU, a final
 * LayerNorm and the tied lm_head. Weights keep nanoGPT's names.
 */
import type { Tensor } from "../../../tensor/tensor.js";
import { float, int, ints, OnnxGraph } from "./graph.js";

/** What the graph needs of a GPT's config (models/gpt.ts: GPTConfig). */
export interface GPTShape {
  vocabSize: number;
  blockSize: number;
  nLayer: number;
  nHead: number;
  nEmbd: number;
  bias: boolean;
}

/**
 * The ONNX bytes of a GPT with these weights (its stateDict) and shape.
 * @example writeFileSync("gpt.onnx", gptToOnnx(model.stateDict(), model.config));
 */
export function gptToOnnx(weights: Record<string, Tensor>, c: GPTShape, producerVersion = ""): Uint8Array {
  const g = new OnnxGraph();
  const C = c.nEmbd;
  const hs = C / c.nHead;
  const w = (key: string): string => {
    const t = weights[key];
    if (!t) throw new RangeError(`ONNX export: the GPT's weights have no "${key}"`);
    return g.weight(key, t.contiguous().toArray() as Float32Array, t.shape);
  };
  const linear = (x: string, key: string): string => {
    const y = g.op("MatMul", [x, g.op("Transpose", [w(`${key}.weight`)], { perm: ints([1, 0]) })]);
    return c.bias ? g.op("Add", [y, w(`${key}.bias`)]) : y;
  };
  const layerNorm = (x: string, key: string): string =>
    g.op("LayerNormalization", [x, w(`${key}.weight`), ...(c.bias ? [w(`${key}.bias`)] : [])], {
      axis: int(-1),
      epsilon: float(1e-5),
    });
  const geluTanh = (x: string): string => {
    // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
    const cube = g.op("Mul", [g.op("Mul", [x, x]), x]);
    const inner = g.op("Add", [x, g.op("Mul", [cube, g.scalar(0.044715)])]);
    const t = g.op("Tanh", [g.op("Mul", [inner, g.scalar(Math.sqrt(2 / Math.PI))])]);
    return g.op("Mul", [g.op("Mul", [x, g.scalar(0.5)]), g.op("Add", [t, g.scalar(1)])]);
  };

  // The causal mask, cut to the sequence: 0 on and below the diagonal, -inf above.
  const T = g.op("Gather", [g.op("Shape", ["idx"]), g.int64([1], true)], { axis: int(0) }); // scalar
  const mask = new Float32Array(c.blockSize * c.blockSize);
  for (let i = 0; i < c.blockSize; i++)
    for (let j = i + 1; j < c.blockSize; j++) mask[i * c.blockSize + j] = -Infinity;
  const TT = g.op("Concat", [g.op("Unsqueeze", [T, g.int64([0])]), g.op("Unsqueeze", [T, g.int64([0])])], {
    axis: int(0),
  });
  const causal = g.op("Slice", [
    g.weight("causal_mask", mask, [c.blockSize, c.blockSize]),
    g.int64([0, 0]),
    TT,
  ]); // (T, T)

  const pos = g.op("Range", [g.int64([0], true), T, g.int64([1], true)]); // (T)
  const tok = g.op("Gather", [w("transformer.wte.weight"), "idx"], { axis: int(0) }); // (B, T, C)
  let x = g.op("Add", [tok, g.op("Gather", [w("transformer.wpe.weight"), pos], { axis: int(0) })]);
  const heads = g.int64([0, 0, c.nHead, hs]);
  for (let l = 0; l < c.nLayer; l++) {
    const p = `transformer.h.${l}`;
    const qkv = linear(layerNorm(x, `${p}.ln_1`), `${p}.attn.c_attn`); // (B, T, 3C)
    const [q, k, v] = g.opMany("Split", [qkv, g.int64([C, C, C])], 3, { axis: int(2) });
    const split = (t: string, perm: number[]) =>
      g.op("Transpose", [g.op("Reshape", [t, heads])], { perm: ints(perm) });
    const att = g.op("MatMul", [split(q, [0, 2, 1, 3]), split(k, [0, 2, 3, 1])]); // (B, nh, T, T)
    const scaled = g.op("Add", [g.op("Mul", [att, g.scalar(1 / Math.sqrt(hs))]), causal]);
    const y = g.op("MatMul", [g.op("Softmax", [scaled], { axis: int(-1) }), split(v, [0, 2, 1, 3])]); // (B, nh, T, hs)
    const merged = g.op("Reshape", [
      g.op("Transpose", [y], { perm: ints([0, 2, 1, 3]) }),
      g.int64([0, 0, C]),
    ]);
    x = g.op("Add", [x, linear(merged, `${p}.attn.c_proj`)]);
    const hidden = geluTanh(linear(layerNorm(x, `${p}.ln_2`), `${p}.mlp.c_fc`)); // (B, T, 4C)
    x = g.op("Add", [x, linear(hidden, `${p}.mlp.c_proj`)]);
  }
  const out = g.op("MatMul", [
    layerNorm(x, "transformer.ln_f"),
    g.op("Transpose", ["transformer.wte.weight"], { perm: ints([1, 0]) }), // lm_head is tied to wte
  ]);
  g.alias(out, "logits");
  return g.encode({
    name: "gpt",
    doc: `gradstack GPT: ${c.nLayer} layers, ${c.nHead} heads, ${C} wide, block ${c.blockSize}, vocab ${c.vocabSize}`,
    inputs: [{ name: "idx", dtype: "int64", dims: ["batch", "sequence"] }],
    outputs: [{ name: "logits", dtype: "float", dims: ["batch", "sequence", c.vocabSize] }],
    producerVersion,
  });
}
