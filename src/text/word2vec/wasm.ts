/**
 * The vector arithmetic of word2vec's hot loop in WebAssembly SIMD (4 float32 lanes), about 3× faster than
 * scalar JavaScript. The module is assembled here from named opcodes (no build step, no binary blob) and works
 * on one WebAssembly.Memory that holds the model, the sigmoid table and each thread's scratch buffers, so
 * worker threads share the model by sharing the memory. kernel.ts's `negativeSampling` is the
 * reference it is tested against; the kernel falls back to it where WebAssembly SIMD is missing.
 */
import { EXP_TABLE_SIZE, MAX_EXP, type KernelScratch } from "./kernel.js";

/** A WebAssembly.Memory (typed here: the project's TypeScript lib has no WebAssembly declarations). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
}

interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
}

const wasmApi = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

/** The exported functions; pointers are byte offsets into the memory, `bytes` = 4 · dim (a multiple of 16). */
export interface SimdKernel {
  /**
   * Negative-sampling update of the input vector at `input` against the output rows `syn1 + t · bytes` for the
   * `nt` word ids at `targets` (the first is the positive word): work = Σ g_t v_t, then v_t += g_t · input.
   */
  neg(
    input: number,
    targets: number,
    nt: number,
    bytes: number,
    alpha: number,
    work: number,
    syn1: number,
    exp: number,
  ): void;
  /** dst += src over `bytes` bytes. */
  add(dst: number, src: number, bytes: number): void;
}

const u32 = (n: number): number[] => {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
};
const s32 = (n: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) return [...out, b];
    out.push(b | 0x80);
  }
};
const vec = (items: number[][]): number[] => [...u32(items.length), ...items.flat()];
const name = (s: string): number[] => vec([...s].map((c) => [c.charCodeAt(0)]));
const section = (id: number, bytes: number[]): number[] => [id, ...u32(bytes.length), ...bytes];

const I32 = 0x7f;
const F32 = 0x7d;
const V128 = 0x7b;
const SIMD = 0xfd;
const MEMARG = [2, 0]; // alignment hint 4 bytes, offset 0

// The few instructions the kernel needs (WebAssembly core and SIMD opcodes).
const block = [0x02, 0x40];
const loop = [0x03, 0x40];
const ifThen = [0x04, 0x40];
const orElse = [0x05];
const end = [0x0b];
const br = (depth: number) => [0x0c, ...u32(depth)];
const brIf = (depth: number) => [0x0d, ...u32(depth)];
const get = (local: number) => [0x20, ...u32(local)];
const set = (local: number) => [0x21, ...u32(local)];
const i32Const = (v: number) => [0x41, ...s32(v)];
const f32Const = (v: number) => [0x43, ...new Uint8Array(Float32Array.of(v).buffer)];
const i32Load = [0x28, ...MEMARG];
const f32Load = [0x2a, ...MEMARG];
const i32Eqz = [0x45];
const i32LtU = [0x49];
const f32Le = [0x5f];
const f32Ge = [0x60];
const i32Add = [0x6a];
const i32Mul = [0x6c];
const i32Shl = [0x74];
const f32Add = [0x92];
const f32Sub = [0x93];
const f32Mul = [0x94];
const i32TruncF32 = [0xa8];
const f32FromI32 = [0xb2];
const v128Load = [SIMD, ...u32(0x00), ...MEMARG];
const v128Store = [SIMD, ...u32(0x0b), ...MEMARG];
const v128Zero = [SIMD, ...u32(0x0c), ...new Array<number>(16).fill(0)];
const f32x4Splat = [SIMD, ...u32(0x13)];
const f32x4Lane = (lane: number) => [SIMD, ...u32(0x1f), lane];
const f32x4Add = [SIMD, ...u32(0xe4)];
const f32x4Mul = [SIMD, ...u32(0xe6)];

/** `for (c = 0; c < bytes; c += 16) body` with c and bytes in the given locals. */
function forBytes(c: number, bytes: number, body: number[]): number[] {
  return [
    ...i32Const(0),
    ...set(c),
    ...block,
    ...loop,
    ...get(c),
    ...get(bytes),
    ...i32LtU,
    ...i32Eqz,
    ...brIf(1),
    ...body,
    ...get(c),
    ...i32Const(16),
    ...i32Add,
    ...set(c),
    ...br(0),
    ...end,
    ...end,
  ];
}

/** The body of `neg` (parameters and locals numbered as below). */
function negBody(): number[] {
  const [input, targets, nt, bytes, alpha, work, syn1, exp] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [d, out, c, acc, f, g, gv, v, label] = [8, 9, 10, 11, 12, 13, 14, 15, 16];
  const at = (base: number) => [...get(base), ...get(c), ...i32Add]; // base + c
  return [
    ...forBytes(c, bytes, [...at(work), ...v128Zero, ...v128Store]),
    ...i32Const(0),
    ...set(d),
    ...block,
    ...loop,
    ...get(d),
    ...get(nt),
    ...i32LtU,
    ...i32Eqz,
    ...brIf(1),
    // out = syn1 + targets[d] * bytes
    ...get(targets),
    ...get(d),
    ...i32Const(2),
    ...i32Shl,
    ...i32Add,
    ...i32Load,
    ...get(bytes),
    ...i32Mul,
    ...get(syn1),
    ...i32Add,
    ...set(out),
    // f = input · out, four lanes at a time
    ...v128Zero,
    ...set(acc),
    ...forBytes(c, bytes, [
      ...get(acc),
      ...at(input),
      ...v128Load,
      ...at(out),
      ...v128Load,
      ...f32x4Mul,
      ...f32x4Add,
      ...set(acc),
    ]),
    ...get(acc),
    ...f32x4Lane(0),
    ...get(acc),
    ...f32x4Lane(1),
    ...f32Add,
    ...get(acc),
    ...f32x4Lane(2),
    ...f32Add,
    ...get(acc),
    ...f32x4Lane(3),
    ...f32Add,
    ...set(f),
    // label = d == 0; g = (label − σ(f)) · alpha, with σ from the table and saturated beyond ±6
    ...get(d),
    ...i32Eqz,
    ...f32FromI32,
    ...set(label),
    ...get(f),
    ...f32Const(MAX_EXP),
    ...f32Ge,
    ...ifThen,
    ...get(label),
    ...f32Const(1),
    ...f32Sub,
    ...get(alpha),
    ...f32Mul,
    ...set(g),
    ...orElse,
    ...get(f),
    ...f32Const(-MAX_EXP),
    ...f32Le,
    ...ifThen,
    ...get(label),
    ...get(alpha),
    ...f32Mul,
    ...set(g),
    ...orElse,
    ...get(label),
    ...get(exp),
    ...get(f),
    ...f32Const(MAX_EXP),
    ...f32Add,
    ...f32Const(EXP_TABLE_SIZE / MAX_EXP / 2),
    ...f32Mul,
    ...i32TruncF32,
    ...i32Const(2),
    ...i32Shl,
    ...i32Add,
    ...f32Load,
    ...f32Sub,
    ...get(alpha),
    ...f32Mul,
    ...set(g),
    ...end,
    ...end,
    ...get(g),
    ...f32x4Splat,
    ...set(gv),
    // work += g · out; out += g · input
    ...forBytes(c, bytes, [
      ...at(out),
      ...v128Load,
      ...set(v),
      ...at(work),
      ...at(work),
      ...v128Load,
      ...get(gv),
      ...get(v),
      ...f32x4Mul,
      ...f32x4Add,
      ...v128Store,
      ...at(out),
      ...get(v),
      ...get(gv),
      ...at(input),
      ...v128Load,
      ...f32x4Mul,
      ...f32x4Add,
      ...v128Store,
    ]),
    ...get(d),
    ...i32Const(1),
    ...i32Add,
    ...set(d),
    ...br(0),
    ...end,
    ...end,
    ...end,
  ];
}

/** The body of `add(dst, src, bytes)`. */
function addBody(): number[] {
  const [dst, src, bytes, c] = [0, 1, 2, 3];
  const at = (base: number) => [...get(base), ...get(c), ...i32Add];
  return [
    ...forBytes(c, bytes, [
      ...at(dst),
      ...at(dst),
      ...v128Load,
      ...at(src),
      ...v128Load,
      ...f32x4Add,
      ...v128Store,
    ]),
    ...end,
  ];
}

function moduleBytes(shared: boolean): Uint8Array {
  const negType = [0x60, ...vec([[I32], [I32], [I32], [I32], [F32], [I32], [I32], [I32]]), ...vec([])];
  const addType = [0x60, ...vec([[I32], [I32], [I32]]), ...vec([])];
  // locals of neg: d, out, c (i32); acc (v128); f, g (f32); gv, v (v128); label (f32)
  const negLocals = vec([
    [3, I32],
    [1, V128],
    [2, F32],
    [2, V128],
    [1, F32],
  ]);
  const negCode = [...negLocals, ...negBody()];
  const addCode = [...vec([[1, I32]]), ...addBody()];
  const memoryLimits = shared ? [0x03, ...u32(0), ...u32(65536)] : [0x00, ...u32(0)];
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec([negType, addType])),
    ...section(2, vec([[...name("env"), ...name("memory"), 0x02, ...memoryLimits]])),
    ...section(3, vec([[0], [1]])),
    ...section(
      7,
      vec([
        [...name("neg"), 0x00, 0],
        [...name("add"), 0x00, 1],
      ]),
    ),
    ...section(
      10,
      vec([
        [...u32(negCode.length), ...negCode],
        [...u32(addCode.length), ...addCode],
      ]),
    ),
  ]);
}

const modules = new Map<boolean, object | null>();

/** The compiled module for a shared or unshared memory; null when WebAssembly SIMD is not available. */
function compiled(shared: boolean): object | null {
  if (!modules.has(shared)) {
    let m: object | null = null;
    try {
      if (wasmApi !== undefined) m = new wasmApi.Module(moduleBytes(shared));
    } catch {
      m = null;
    }
    modules.set(shared, m);
  }
  return modules.get(shared)!;
}

/** Whether the SIMD kernel can run here. */
export function simdAvailable(): boolean {
  return compiled(false) !== null;
}

/** The kernel bound to `memory` (each thread instantiates its own over the same memory). */
export function instantiateSimd(memory: WasmMemory): SimdKernel {
  const shared = memory.buffer instanceof SharedArrayBuffer;
  const m = compiled(shared);
  if (m === null) throw new Error("word2vec: WebAssembly SIMD is not available in this runtime");
  return new wasmApi!.Instance(m, { env: { memory } }).exports as SimdKernel;
}

/** A memory of at least `bytes` bytes that never grows (so views on it stay valid). */
export function allocateMemory(bytes: number, shared: boolean): WasmMemory | null {
  const pages = Math.ceil(bytes / 65536);
  if (pages > 65536) return null; // beyond 4 GiB: the scalar kernel on ordinary arrays
  return new wasmApi!.Memory({ initial: pages, maximum: pages, shared });
}

/**
 * Where the model, the sigmoid table and each runner's scratch buffers sit in the memory: each on its own
 * 64-byte cache lines, so that threads writing their scratch buffers do not share a line.
 */
export interface MemoryLayout {
  bytes: number;
  syn0: number;
  syn1neg: number;
  exp: number;
  scratch: NonNullable<KernelScratch["ptr"]>[];
}

export function layoutMemory(words: number, dim: number, negative: number, runners: number): MemoryLayout {
  let at = 0;
  const take = (n: number) => {
    const p = at;
    at += Math.ceil(n / 64) * 64;
    return p;
  };
  const syn0 = take(words * dim * 4);
  const syn1neg = take(words * dim * 4);
  const exp = take(EXP_TABLE_SIZE * 4);
  const scratch = Array.from({ length: runners }, () => ({
    work: take(dim * 4),
    neu1: take(dim * 4),
    targets: take((negative + 1) * 4),
  }));
  return { bytes: at, syn0, syn1neg, exp, scratch };
}
