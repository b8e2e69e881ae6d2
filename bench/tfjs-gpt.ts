/**
 * The GPT step of bench/gpt.ts in TensorFlow.js ops: nanoGPT's model (bias off, dropout 0, tied head,
 * exact GELU, causal attention written out), AdamW (0.9, 0.99), weight decay 0.1 on the 2-D weights.
 * Same shapes, FLOPs and parameter count as gradstack's; the Linear weights are stored (in, out), as
 * tfjs-layers' Dense does: TensorFlow.js's wasm matmul is about 10× slower with a transposed operand.
 */
import * as tf from "@tensorflow/tfjs-core";
import { GPT_CONFIGS } from "./gpt.js";
import { crossEntropy, embed, normal, tfjsTrainingStep, variable, type TfjsModel } from "./tfjs-train.js";

const VOCAB = 65;

interface Block {
  ln1: tf.Variable;
  attn: tf.Variable; // (C, 3C)
  attnProj: tf.Variable; // (C, C)
  ln2: tf.Variable;
  fc: tf.Variable; // (C, 4C)
  mlpProj: tf.Variable; // (4C, C)
}

/** x (N, in) times an (in, out) weight, as nn.Linear without bias. */
function linear(x: tf.Tensor2D, w: tf.Tensor): tf.Tensor2D {
  return tf.matMul(x, w as tf.Tensor2D);
}

/** LayerNorm over the last axis with a weight and no bias (nanoGPT's bias=False), eps 1e-5. */
function layerNorm(x: tf.Tensor2D, w: tf.Tensor): tf.Tensor2D {
  const centred = tf.sub(x, tf.mean(x, -1, true));
  const variance = tf.mean(tf.square(centred), -1, true);
  return tf.mul(tf.mul(centred, tf.rsqrt(tf.add(variance, 1e-5))), w);
}

/** The exact GELU, 0.5·x·(1 + erf(x/√2)) (TensorFlow.js's core has no gelu). */
function gelu(x: tf.Tensor2D): tf.Tensor2D {
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1));
}

export function tfjsGpt(which: keyof typeof GPT_CONFIGS): TfjsModel {
  const { nLayer, nHead, nEmbd: C, blockSize: T } = GPT_CONFIGS[which];
  const hs = C / nHead;
  const projStd = 0.02 / Math.sqrt(2 * nLayer);
  const wte = normal([VOCAB, C], 0.02, "wte"); // tied with the head
  const wpe = normal([T, C], 0.02, "wpe");
  const blocks: Block[] = Array.from({ length: nLayer }, () => ({
    ln1: variable(tf.ones([C]), "ln_1"),
    attn: normal([C, 3 * C], 0.02, "c_attn"),
    attnProj: normal([C, C], projStd, "attn_c_proj"),
    ln2: variable(tf.ones([C]), "ln_2"),
    fc: normal([C, 4 * C], 0.02, "c_fc"),
    mlpProj: normal([4 * C, C], projStd, "mlp_c_proj"),
  }));
  const lnF = variable(tf.ones([C]), "ln_f");
  // 0 on and below the diagonal, -1e9 above: added to the scores before the softmax.
  const causal = tf.mul(tf.sub(1, tf.linalg.bandPart(tf.ones([T, T]), -1, 0)), -1e9);

  function attention(x: tf.Tensor2D, b: Block, B: number): tf.Tensor2D {
    const qkv = tf.transpose(tf.reshape(linear(x, b.attn), [B, T, 3, nHead, hs]), [2, 0, 3, 1, 4]); // (3, B, nh, T, hs)
    const [q, k, v] = tf.unstack(qkv) as tf.Tensor4D[];
    const scores = tf.add(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(hs)), causal); // (B, nh, T, T)
    const y = tf.matMul(tf.softmax(scores), v); // (B, nh, T, hs)
    return linear(tf.reshape(tf.transpose(y, [0, 2, 1, 3]), [B * T, C]), b.attnProj);
  }

  return {
    variables: [wte, wpe, ...blocks.flatMap((b) => Object.values(b) as tf.Variable[]), lnF],
    loss(idx, targets) {
      const B = idx.shape[0];
      let x = tf.add(embed(wte, idx), tf.tile(wpe, [B, 1])) as tf.Tensor2D; // (B·T, C)
      for (const b of blocks) {
        x = tf.add(x, attention(layerNorm(x, b.ln1), b, B));
        x = tf.add(x, linear(gelu(linear(layerNorm(x, b.ln2), b.fc)), b.mlpProj));
      }
      const logits: tf.Tensor2D = tf.matMul(layerNorm(x, lnF), wte as tf.Tensor2D, false, true); // (B·T, V), tied head
      return crossEntropy(logits, targets);
    },
  };
}

/** One AdamW step per call, over 8 random batches, as bench/gpt.ts. */
export function tfjsGptStep(which: keyof typeof GPT_CONFIGS): () => void {
  const { batch: B, blockSize: T } = GPT_CONFIGS[which];
  const batches = Array.from({ length: 8 }, (_, i) => ({
    x: tf.randomUniformInt([B, T], 0, VOCAB, i),
    y: tf.randomUniformInt([B, T], 0, VOCAB, 100 + i),
  }));
  return tfjsTrainingStep(tfjsGpt(which), batches, { lr: 1e-3, betas: [0.9, 0.99], weightDecay: 0.1 });
}
