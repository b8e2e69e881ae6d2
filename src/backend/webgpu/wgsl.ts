/**
 * WGSL shared by every kernel: the parameter block (64 u32 words per call, in a uniform buffer slot),
 * float helpers that do not depend on IEEE special cases being preserved by the compiler, the math
 * functions WGSL lacks (erf, log1p, expm1, a pow with JavaScript's signs) and binding declarations.
 */
import type { DType } from "../types.js";
import type { GpuBuffer } from "./buffer.js";
import { wgslType } from "./buffer.js";

export const PARAM_SLOT_BYTES = 256;
/** Parameter words a kernel may use; the last word of a slot is always 0 (see `zero()` below). */
export const PARAM_WORDS = PARAM_SLOT_BYTES / 4 - 1;

export const paramsPrelude = /* wgsl */ `
struct Params { v: array<vec4<u32>, 16> };
@group(0) @binding(0) var<uniform> prm: Params;
fn pu(i: u32) -> u32 { return prm.v[i / 4u][i % 4u]; }
fn pi(i: u32) -> i32 { return bitcast<i32>(pu(i)); }
fn pf(i: u32) -> f32 { return bitcast<f32>(pu(i)); }
// Special floats are built at run time from the always-0 last word: WGSL rejects them as constants.
fn zero() -> u32 { return pu(63u); }
fn is_nan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn neg_inf() -> f32 { return bitcast<f32>(0xff800000u | zero()); }
fn pos_inf() -> f32 { return bitcast<f32>(0x7f800000u | zero()); }
fn nan_f32() -> f32 { return bitcast<f32>(0x7fc00000u | zero()); }
// Thread index over a grid spread across x and y (see GpuContext.run), 64 threads a group.
fn thread_id(wid: vec3u, nwg: vec3u, lid: vec3u) -> u32 { return (wid.y * nwg.x + wid.x) * 64u + lid.x; }
fn group_id(wid: vec3u, nwg: vec3u) -> u32 { return wid.y * nwg.x + wid.x; }
fn tanh_s(x: f32) -> f32 {
  let e = exp(-2.0 * abs(x));
  return sign(x) * (1.0 - e) / (1.0 + e);
}
fn sigmoid_s(x: f32) -> f32 {
  if (x >= 0.0) { return 1.0 / (1.0 + exp(-x)); }
  let e = exp(x);
  return e / (1.0 + e);
}
fn erf_f(x: f32) -> f32 {
  let a = abs(x);
  if (a < 0.5) {
    let x2 = x * x;
    return 1.1283791671 * x * (1.0 + x2 * (-0.33333333333 + x2 * (0.1 + x2 * (-0.0238095238 + x2 * (0.0046296296 + x2 * -0.0007575757)))));
  }
  // Abramowitz & Stegun 7.1.26 (absolute error below 1.5e-7).
  let t = 1.0 / (1.0 + 0.3275911 * a);
  let y = 1.0 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * exp(-a * a);
  return sign(x) * y;
}
fn log1p_f(x: f32) -> f32 {
  let u = 1.0 + x;
  if (u == 1.0) { return x; }
  return log(u) * x / (u - 1.0);
}
fn expm1_f(x: f32) -> f32 {
  if (abs(x) < 1e-5) { return x + 0.5 * x * x; }
  return exp(x) - 1.0;
}
// x^y with JavaScript's Math.pow on negative bases and zero exponents.
fn pow_f(x: f32, y: f32) -> f32 {
  if (y == 0.0) { return 1.0; }
  if (is_nan(x) || is_nan(y)) { return nan_f32(); }
  let p = pow(abs(x), y);
  if (x >= 0.0) { return p; }
  if (floor(y) != y) { return nan_f32(); }
  let odd = abs(y) < 16777216.0 && (i32(abs(y)) % 2) == 1;
  return select(p, -p, odd);
}
fn angle_pi(x: f32) -> f32 { return x - 6.283185307179586 * round(x * 0.15915494309189535); }
fn sign_f(x: f32) -> f32 { return select(select(0.0, -1.0, x < 0.0), 1.0, x > 0.0); }
`;

/** `@binding(i + 1)` declarations, one per buffer, named b0, b1, ...; `atomics` lists those used with atomics. */
export function bindings(buffers: readonly { dtype: DType }[], atomics: readonly number[] = []): string {
  return buffers
    .map((b, i) => {
      const t = wgslType(b.dtype);
      const el = atomics.includes(i) ? `atomic<${t === "f32" ? "u32" : t}>` : t;
      return `@group(0) @binding(${i + 1}) var<storage, read_write> b${i}: array<${el}>;`;
    })
    .join("\n");
}

/** WGSL that converts `expr` of element type `from` to `to` (to bool: != 0; float to int: truncation). */
export function convert(expr: string, from: string, to: string): string {
  if (from === to) return expr;
  if (to === "u32") return `select(0u, 1u, (${expr}) != ${from}(0))`;
  return `${to}(${expr})`;
}

const CODE = new Map<string, string>();

/**
 * The WGSL of a kernel variant, built once per key: the hot kernels skip rebuilding their code on
 * every call (and the pipeline cache then hashes the same string object again).
 */
export function cachedCode(key: string, build: () => string): string {
  let code = CODE.get(key);
  if (code === undefined) CODE.set(key, (code = build()));
  return code;
}

/** The types of a list of buffers, for cache keys. */
export function typesOf(buffers: readonly GpuBuffer[]): string {
  return buffers.map((b) => wgslType(b.dtype)).join(",");
}

/** A float's bits as a u32 parameter word. */
export function f32Bits(x: number): number {
  F32[0] = x;
  return U32[0];
}
const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/** An int's bits as a u32 parameter word. */
export function i32Bits(x: number): number {
  return x >>> 0;
}

/** The entry point header of a 64-thread kernel over a spread grid. */
export const MAIN_64 = `@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u)`;
