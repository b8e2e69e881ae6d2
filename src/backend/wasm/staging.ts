/**
 * Arrays a kernel call gets that do not live in wasm memory (made before the wasm backend was chosen,
 * or by code that allocates its own typed arrays): each one's whole ArrayBuffer is copied into wasm
 * memory for the call and back afterwards, once per buffer, so arrays that share a buffer (an
 * in-place op's input and output) still alias inside the call.
 */
import type { Storage } from "../types.js";
import type { WasmHeap } from "./heap.js";

export class Staging {
  private readonly copies = new Map<ArrayBufferLike, number>();
  /** False when the memory could not hold a copy: the call then runs on cpu-js. */
  ok = true;

  constructor(private readonly heap: WasmHeap) {}

  /** The address of `arr`'s first element inside the copy of its buffer. */
  pointer(arr: Storage): number {
    let base = this.copies.get(arr.buffer);
    if (base === undefined) {
      const bytes = arr.buffer.byteLength;
      const ptr = this.heap.malloc(bytes);
      if (ptr === null) {
        this.ok = false;
        return 0;
      }
      this.heap.bytesAt(ptr, bytes).set(new Uint8Array(arr.buffer));
      this.copies.set(arr.buffer, ptr);
      base = ptr;
    }
    return base + arr.byteOffset;
  }

  /** Copies every staged buffer back (the kernel may have written it) and frees the copies. */
  finish(): void {
    for (const [buffer, ptr] of this.copies) {
      new Uint8Array(buffer).set(this.heap.bytesAt(ptr, buffer.byteLength));
      this.heap.freeRaw(ptr);
    }
  }
}
