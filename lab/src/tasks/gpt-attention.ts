/**
 * The attention pattern of a GPT for one prompt: softmax(q·kᵀ/√hs) with the causal mask, per layer and
 * head. GPT's attention runs fused and returns no weights, so this replays the forward through the
 * model's own modules (embeddings, ln_1, c_attn, each block) and computes the weights from q and k.
 */
import * as gs from "gradstack";

/** maps[layer][head]: the (T, T) weights row by row, row = query position, column = key position. */
export function attentionMaps(gpt: gs.models.GPT, idx: gs.Tensor): Float32Array[][] {
  const { nHead, nEmbd } = gpt.config;
  const hs = nEmbd / nHead;
  const T = idx.shape[1];
  const future = new Float32Array(T * T);
  for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) future[i * T + j] = -Infinity;
  const mask = gs.tensor(future).reshape([T, T]);
  return gs.noGrad(() => {
    let x = gpt.wte.forward(idx).add(gpt.wpe.forward(gs.arange(T))); // (1, T, C)
    const maps: Float32Array[][] = [];
    for (const block of gpt.blocks) {
      const qkv = block.attn.c_attn.forward(block.ln_1.forward(x)); // (1, T, 3C)
      const [q, k] = qkv.split(nEmbd, 2).map((t) => t.view([1, T, nHead, hs]).transpose(1, 2)); // (1, nh, T, hs)
      const weights = gs.softmax(
        q
          .matmul(k.transpose(2, 3))
          .mul(1 / Math.sqrt(hs))
          .add(mask),
        -1,
      ); // (1, nh, T, T)
      const data = weights.contiguous().dataSync();
      maps.push(
        Array.from({ length: nHead }, (_, h) => Float32Array.from(data.subarray(h * T * T, (h + 1) * T * T))),
      );
      x = block.forward(x) as gs.Tensor;
    }
    return maps;
  });
}
