/** Token ids as nanoGPT's prepare.py writes them (train.bin, val.bin): uint16, little-endian, no header. */
import { saveFileAtomic } from "../atomic.js";

export function writeTokenBin(file: string, ids: ArrayLike<number>): void {
  const bytes = new Uint8Array(ids.length * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (!(Number.isInteger(id) && id >= 0 && id < 65536))
      throw new RangeError(`writeTokenBin: token ${id} at ${i} does not fit uint16`);
    view.setUint16(2 * i, id, true);
  }
  saveFileAtomic(file, bytes);
}
