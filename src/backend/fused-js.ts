/** The fused kernels of FusedKernels for cpu-js: plain loops over contiguous rows, math in float64. */
import type { AttentionKernels, DropoutMask, FusedKernels, MatmulParams, Storage } from "./types.js";
import { matmulJs } from "./matmul-js.js";
import { philoxElements } from "./philox.js";
import { erf } from "./special.js";

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const INV_SQRT_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

function softmax(x: Storage, out: Storage, rows: number, cols: number, log: boolean): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let max = -Infinity;
    for (let j = 0; j < cols; j++) if (x[o + j] > max) max = x[o + j];
    if (max === -Infinity || max === Infinity) max = 0; // keeps all -inf rows at nan/-inf like the composition
    let sum = 0;
    for (let j = 0; j < cols; j++) sum += Math.exp(x[o + j] - max);
    if (log) {
      const lse = Math.log(sum) + max;
      for (let j = 0; j < cols; j++) out[o + j] = x[o + j] - lse;
    } else {
      const inv = 1 / sum;
      for (let j = 0; j < cols; j++) out[o + j] = Math.exp(x[o + j] - max) * inv;
    }
  }
}

function layerNorm(
  x: Storage,
  w: Storage | null,
  b: Storage | null,
  out: Storage,
  mean: Storage,
  rstd: Storage,
  rows: number,
  cols: number,
  eps: number,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let s = 0;
    for (let j = 0; j < cols; j++) s += x[o + j];
    const mu = s / cols;
    let v = 0;
    for (let j = 0; j < cols; j++) {
      const d = x[o + j] - mu;
      v += d * d;
    }
    const rs = 1 / Math.sqrt(v / cols + eps);
    mean[r] = mu;
    rstd[r] = rs;
    for (let j = 0; j < cols; j++) {
      const y = (x[o + j] - mu) * rs;
      out[o + j] = (w ? y * w[j] : y) + (b ? b[j] : 0);
    }
  }
}

function layerNormBackward(
  g: Storage,
  x: Storage,
  w: Storage | null,
  mean: Storage,
  rstd: Storage,
  dx: Storage,
  dw: Storage | null,
  db: Storage | null,
  rows: number,
  cols: number,
): void {
  const dwAcc = dw ? new Float64Array(cols) : null;
  const dbAcc = db ? new Float64Array(cols) : null;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const mu = mean[r];
    const rs = rstd[r];
    // With xhat = (x - mu)·rstd and gy = g·w: dx = rstd·(gy - mean(gy) - xhat·mean(gy·xhat)).
    let sumG = 0;
    let sumGX = 0;
    for (let j = 0; j < cols; j++) {
      const xhat = (x[o + j] - mu) * rs;
      const gy = w ? g[o + j] * w[j] : g[o + j];
      sumG += gy;
      sumGX += gy * xhat;
      if (dwAcc) dwAcc[j] += g[o + j] * xhat;
      if (dbAcc) dbAcc[j] += g[o + j];
    }
    const mg = sumG / cols;
    const mgx = sumGX / cols;
    for (let j = 0; j < cols; j++) {
      const xhat = (x[o + j] - mu) * rs;
      const gy = w ? g[o + j] * w[j] : g[o + j];
      dx[o + j] = rs * (gy - mg - xhat * mgx);
    }
  }
  if (dw && dwAcc) dw.set(dwAcc);
  if (db && dbAcc) db.set(dbAcc);
}

function crossEntropy(
  logits: Storage,
  targets: Int32Array,
  losses: Storage,
  probs: Storage,
  rows: number,
  cols: number,
  ignoreIndex: number,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let max = -Infinity;
    for (let j = 0; j < cols; j++) if (logits[o + j] > max) max = logits[o + j];
    let sum = 0;
    for (let j = 0; j < cols; j++) sum += Math.exp(logits[o + j] - max);
    const inv = 1 / sum;
    for (let j = 0; j < cols; j++) probs[o + j] = Math.exp(logits[o + j] - max) * inv;
    const t = targets[r];
    losses[r] = t === ignoreIndex ? 0 : Math.log(sum) + max - logits[o + t];
  }
}

const crossEntropyBackward: FusedKernels["crossEntropyBackward"] = (
  probs,
  targets,
  g,
  dlogits,
  rows,
  cols,
  ignoreIndex,
) => {
  // Rounded as the composition it replaces rounds: probs − onehot stored, then times g (float32 stores).
  const round = probs instanceof Float32Array ? Math.fround : (v: number) => v;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const t = targets[r];
    const gr = t === ignoreIndex ? g[r] * 0 : g[r];
    const hot = t === ignoreIndex ? 0 : t;
    for (let j = 0; j < cols; j++) dlogits[o + j] = round(probs[o + j] - (j === hot ? 1 : 0)) * gr;
  }
};

function gelu(x: Storage, out: Storage, approximateTanh: boolean): void {
  const n = x.length;
  if (approximateTanh) {
    for (let i = 0; i < n; i++) {
      const v = x[i];
      out[i] = 0.5 * v * (1 + Math.tanh(SQRT_2_OVER_PI * (v + 0.044715 * v * v * v)));
    }
  } else {
    for (let i = 0; i < n; i++) out[i] = 0.5 * x[i] * (1 + erf(x[i] * INV_SQRT_2));
  }
}

function geluBackward(g: Storage, x: Storage, dx: Storage, approximateTanh: boolean): void {
  const n = x.length;
  if (approximateTanh) {
    for (let i = 0; i < n; i++) {
      const v = x[i];
      const u = SQRT_2_OVER_PI * (v + 0.044715 * v * v * v);
      const t = Math.tanh(u);
      const du = SQRT_2_OVER_PI * (1 + 3 * 0.044715 * v * v);
      dx[i] = g[i] * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * du);
    }
  } else {
    for (let i = 0; i < n; i++) {
      const v = x[i];
      dx[i] = g[i] * (0.5 * (1 + erf(v * INV_SQRT_2)) + v * INV_SQRT_2PI * Math.exp(-0.5 * v * v));
    }
  }
}

function reluBackward(g: Storage, y: Storage, dx: Storage): void {
  for (let i = 0; i < y.length; i++) dx[i] = y[i] > 0 ? g[i] : 0;
}

/** matmul, then bias added to each of the batch·m rows of n (rounded as matmul then add are). */
function matmulBias(a: Storage, b: Storage, bias: Storage, out: Storage, p: MatmulParams): void {
  matmulJs(a, b, out, p);
  const rows = p.batch * p.m;
  for (let r = 0, o = 0; r < rows; r++, o += p.n) for (let j = 0; j < p.n; j++) out[o + j] += bias[j];
}

export const fusedJs: FusedKernels & AttentionKernels = {
  softmax,
  layerNorm,
  layerNormBackward,
  crossEntropy,
  crossEntropyBackward,
  gelu,
  geluBackward,
  reluBackward,
  matmulBias,
  causalAttention: causalAttentionJs,
  causalAttentionBackward: causalAttentionBackwardJs,
};

/**
 * Row i of a (batch, head)'s dropout multipliers: z[j] = scale where the mask keeps P[i, j], else 0, for
 * j <= i (types.ts AttentionKernels: Philox element (b·nh + h)·T² + i·T + j). Null without dropout.
 */
function dropoutRows(dropout: DropoutMask | undefined, T: number, float32: boolean) {
  if (!dropout?.threshold) return null;
  const bits = new Uint32Array(T);
  const z = new Float64Array(T);
  // The multiplier is rounded to the storage's precision, as the dropout kernel's is.
  const keep = float32 ? Math.fround(dropout.scale) : dropout.scale;
  return (head: number, i: number): Float64Array => {
    philoxElements((head * T + i) * T, i + 1, dropout.key0, dropout.key1, bits);
    for (let j = 0; j <= i; j++) z[j] = bits[j] >= dropout.threshold ? keep : 0;
    return z;
  };
}

/**
 * AttentionKernels.causalAttention in plain loops: the reference for native kernels. cpu-js has it,
 * but prefers the matmul composition (faster in TypeScript) for the op.
 */
export function causalAttentionJs(
  qkv: Storage,
  out: Storage,
  lse: Storage,
  B: number,
  T: number,
  nh: number,
  hs: number,
  scale: number,
  dropout?: DropoutMask,
): void {
  const C = nh * hs;
  const p = new Float64Array(T);
  const zRow = dropoutRows(dropout, T, out instanceof Float32Array);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < nh; h++)
      for (let i = 0; i < T; i++) {
        const qi = (b * T + i) * 3 * C + h * hs;
        let max = -Infinity;
        for (let j = 0; j <= i; j++) {
          const kj = (b * T + j) * 3 * C + C + h * hs;
          let s = 0;
          for (let d = 0; d < hs; d++) s += qkv[qi + d] * qkv[kj + d];
          p[j] = s * scale;
          if (p[j] > max) max = p[j];
        }
        let sum = 0;
        for (let j = 0; j <= i; j++) sum += p[j] = Math.exp(p[j] - max);
        lse[(b * nh + h) * T + i] = max + Math.log(sum); // of the scores before dropout
        const z = zRow?.(b * nh + h, i);
        if (z) for (let j = 0; j <= i; j++) p[j] *= z[j];
        const oi = (b * T + i) * C + h * hs;
        for (let d = 0; d < hs; d++) {
          let acc = 0;
          for (let j = 0; j <= i; j++) acc += p[j] * qkv[(b * T + j) * 3 * C + 2 * C + h * hs + d];
          out[oi + d] = acc / sum;
        }
      }
}

/**
 * The reference for AttentionKernels.causalAttentionBackward (probabilities recomputed from lse). With
 * dropout, out = Σ_j p_ij·z_ij·v_j (z: the mask times its scale), so dv_j = Σ_i p_ij·z_ij·dy_i and
 * dp_ij = z_ij·(dy_i·v_j); the softmax backward ds_ij = p_ij·(dp_ij − Σ_k p_ik·dp_ik) keeps its
 * correction D_i = dy_i·out_i, since Σ_k p_ik·z_ik·(dy_i·v_k) = dy_i·out_i.
 */
export function causalAttentionBackwardJs(
  qkv: Storage,
  out: Storage,
  dout: Storage,
  lse: Storage,
  dqkv: Storage,
  B: number,
  T: number,
  nh: number,
  hs: number,
  scale: number,
  dropout?: DropoutMask,
): void {
  const C = nh * hs;
  const zRow = dropoutRows(dropout, T, dqkv instanceof Float32Array);
  dqkv.fill(0);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < nh; h++)
      for (let i = 0; i < T; i++) {
        const row = (b * T + i) * 3 * C + h * hs;
        const oi = (b * T + i) * C + h * hs;
        // D_i = dy_i · y_i, the softmax-backward correction.
        let D = 0;
        for (let d = 0; d < hs; d++) D += dout[oi + d] * out[oi + d];
        const l = lse[(b * nh + h) * T + i];
        const z = zRow?.(b * nh + h, i);
        for (let j = 0; j <= i; j++) {
          const kj = (b * T + j) * 3 * C + C + h * hs;
          const vj = kj + C;
          let s = 0;
          let dp = 0;
          for (let d = 0; d < hs; d++) {
            s += qkv[row + d] * qkv[kj + d];
            dp += dout[oi + d] * qkv[vj + d];
          }
          const pij = Math.exp(s * scale - l);
          const zij = z ? z[j] : 1;
          const ds = pij * (zij * dp - D) * scale;
          for (let d = 0; d < hs; d++) {
            dqkv[row + d] += ds * qkv[kj + d];
            dqkv[kj + d] += ds * qkv[row + d];
            dqkv[vj + d] += pij * zij * dout[oi + d];
          }
        }
      }
}
