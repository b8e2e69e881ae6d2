/**
 * What one dispatch asks of the GPU, worked out from the kernel's own shape parameters (the words it
 * passes to `GpuContext.run`) by the module that wrote the kernel, not by reading its WGSL: threads a
 * workgroup, the longest serial loop a thread runs, and the bytes and FLOPs it touches. The occupancy
 * report (bench/webgpu-occupancy.ts) records a training step and reads every dispatch through these, so
 * a kernel that launches too few threads, or makes one thread walk thousands of rows, shows without a
 * GPU to time it.
 */

export interface Work {
  /** Threads a workgroup. */
  groupSize: number;
  /**
   * Iterations of the longest serial path of one thread: a kernel's successive loops add, nested ones
   * multiply; loops of a compile-time length of 64 or less (unrolled over a tile or a head) count as one.
   */
  loop: number;
  /** Global-memory bytes the kernel loads and stores, re-reads included (4 bytes an element). */
  bytes: number;
  /** Floating-point operations (a fused multiply-add counts 2), roughly, for arithmetic kernels. */
  flops: number;
}

/** Workgroups of a dispatch as [x, y, z]. */
export type Groups = readonly [number, number, number];

/** A kernel's work from its parameter words and workgroups. */
export type WorkOf = (params: readonly number[], groups: Groups) => Work;

/** The work of each kernel a module dispatches, by the `kernel` name it gives `run` (or its prefix). */
export type WorkTable = Readonly<Record<string, WorkOf>>;

/** Threads a workgroup of the 64-thread kernels (context.ts WORKGROUP, MAIN_64). */
const GROUP_64 = 64;

/** One thread an element (the count in parameter 0): `words` 4-byte loads and stores and `flops` an element. */
export function perElement(words: number, flops = 1): WorkOf {
  return (p) => ({ groupSize: GROUP_64, loop: 1, bytes: 4 * words * p[0], flops: flops * p[0] });
}

/**
 * A kernel that gives each of `rows` rows of `cols` to one 64-thread workgroup and walks the row
 * `passes` times; `words` loads and stores an element of the row over all passes.
 */
export function perRow(rows: number, cols: number, passes: number, words: number, flops: number): Work {
  return {
    groupSize: GROUP_64,
    loop: passes * Math.ceil(cols / GROUP_64),
    bytes: 4 * words * rows * cols,
    flops: flops * rows * cols,
  };
}

/** Iterations a thread of a 64-thread workgroup runs over `n` elements it shares with the other 63. */
export function strided(n: number): number {
  return Math.ceil(n / GROUP_64);
}
