/**
 * Philox4x32-10 (Salmon, Moraes, Dror & Shaw, "Parallel Random Numbers: As Easy as 1, 2, 3", SC 2011),
 * the counter-based generator of cuRAND, PyTorch's CUDA dropout and JAX: a block of four 32-bit words is
 * a pure function of a 128-bit counter and a 64-bit key, so any element's draw can be computed anywhere,
 * in any order, on any backend, and recomputed in backward instead of stored. Written in u32 arithmetic
 * only, with the high half of a 32×32 product from 16-bit halves, exactly as the WGSL twin
 * (webgpu/random.ts) and the C++ one (native/src/random.cc) compute it.
 */

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/** The high 32 bits of the 64-bit product a·b (a, b unsigned 32-bit). */
export function mulhi32(a: number, b: number): number {
  const al = a & 0xffff;
  const ah = a >>> 16;
  const bl = b & 0xffff;
  const bh = b >>> 16;
  const hl = ah * bl;
  const lh = al * bh;
  // Each partial product is below 2^32, so every step is exact in a double.
  const mid = ((al * bl) >>> 16) + (hl & 0xffff) + (lh & 0xffff);
  return (ah * bh + (hl >>> 16) + (lh >>> 16) + (mid >>> 16)) >>> 0;
}

/** Writes Philox4x32-10 of counter (c0..c3) under key (k0, k1) into out[0..3]. */
export function philox4x32(
  c0: number,
  c1: number,
  c2: number,
  c3: number,
  k0: number,
  k1: number,
  out: Uint32Array,
): void {
  for (let round = 0; round < 10; round++) {
    const hi0 = mulhi32(M0, c0);
    const lo0 = Math.imul(M0, c0) >>> 0;
    const hi1 = mulhi32(M1, c2);
    const lo1 = Math.imul(M1, c2) >>> 0;
    c0 = (hi1 ^ c1 ^ k0) >>> 0;
    c1 = lo1;
    c2 = (hi0 ^ c3 ^ k1) >>> 0;
    c3 = lo0;
    k0 = (k0 + W0) >>> 0;
    k1 = (k1 + W1) >>> 0;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}

const WORDS = new Uint32Array(4);

/**
 * out[k] = element first + k of the stream under (key0, key1) for k < n: element e is word e mod 4 of
 * the block at counter (⌊e/4⌋ low 32 bits, high bits, 0, 0), as every backend's dropout draws it.
 */
export function philoxElements(first: number, n: number, key0: number, key1: number, out: Uint32Array): void {
  for (let k = 0; k < n;) {
    const e = first + k;
    const block = Math.floor(e / 4);
    philox4x32(block >>> 0, Math.floor(block / 2 ** 32), 0, 0, key0, key1, WORDS);
    for (let w = e % 4; w < 4 && k < n; w++) out[k++] = WORDS[w];
  }
}
