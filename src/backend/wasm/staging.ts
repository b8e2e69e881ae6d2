/**
 * Arrays a kernel call gets that do not live in wasm memory (made before the wasm backend was chosen,
 * or by code that allocates its own typed arrays, or past the heap's soft limit): each one's whole
 * ArrayBuffer is copied into wasm memory for the call, once per buffer, so arrays that share a buffer
 * (an in-place op's input and output) still alias inside the call. Afterwards only the buffers that
 * hold an array the kernel writes are copied back (written.ts).
 */
import type { Storage } from "../types.js";
import type { WasmHeap } from "./heap.js";

interface Copy {
  ptr: number;
  /** Whether the kernel may write into the copy: it then goes back to the buffer. */
  written: boolean;
}

export class Staging {
  private readonly copies = new Map<ArrayBufferLike, Copy>();
  /** False when the memory could not hold a copy: the call then runs on cpu-js. */
  ok = true;

  constructor(private readonly heap: WasmHeap) {}

  /** The address of `arr`'s first element inside the copy of its buffer; `written`: the kernel may write `arr`. */
  pointer(arr: Storage, written: boolean): number {
    let copy = this.copies.get(arr.buffer);
    if (copy === undefined) {
      const bytes = arr.buffer.byteLength;
      const ptr = this.heap.malloc(bytes);
      if (ptr === null) {
        this.ok = false;
        return 0;
      }
      this.heap.bytesAt(ptr, bytes).set(new Uint8Array(arr.buffer));
      copy = { ptr, written };
      this.copies.set(arr.buffer, copy);
    } else copy.written ||= written;
    return copy.ptr + arr.byteOffset;
  }

  /** Copies back every staged buffer the kernel may have written, and frees the copies. */
  finish(): void {
    for (const [buffer, { ptr, written }] of this.copies) {
      if (written) new Uint8Array(buffer).set(this.heap.bytesAt(ptr, buffer.byteLength));
      this.heap.freeRaw(ptr);
    }
  }
}
