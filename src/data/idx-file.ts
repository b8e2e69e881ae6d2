/**
 * Reading IDX files from disk (plain or gzip) without inflating more than their header says they hold:
 * a 1 MB gzip bomb behind a 10-byte header stops after those 10 bytes. Node only.
 */
import {
  DEFLATE_MAX_RATIO,
  gunzipCapped,
  gunzipPrefix,
  isGzip,
  readRawBytes,
} from "../io/files.js";
import { idxDescription, idxLayout } from "./idx.js";

/** gzip's own header and trailer take at least this many bytes; the content fits in what remains. */
const GZIP_OVERHEAD = 18;

/** The content of an IDX file, gunzipped when it is gzip, capped at the length its header implies. */
export function readIdxBytes(file: string, where: string): Uint8Array {
  const raw = readRawBytes(file, where);
  if (!isGzip(raw)) return raw;
  const h = idxLayout(gunzipPrefix(raw, file, where), file, where);
  const most = DEFLATE_MAX_RATIO * Math.max(0, raw.length - GZIP_OVERHEAD) + 1;
  if (h.byteLength > most)
    throw new Error(
      `${where}: ${file}: the header's ${idxDescription(h)} needs ${h.byteLength} bytes, but ${raw.length} bytes of gzip hold at most ${most}`,
    );
  return gunzipCapped(raw, file, where, h.byteLength, `the ${h.byteLength} bytes its header's ${idxDescription(h)} needs`);
}
