/** Small Unicode helpers shared by the tokenizers and vectorizers. */

/**
 * Orders strings by Unicode code point, as Python's `sorted()` does (JavaScript's default sort compares
 * UTF-16 code units, which puts U+E000..U+FFFF after the astral characters).
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointOrderKey(x) - codePointOrderKey(y);
  }
  return a.length - b.length;
}

// Surrogates (the astral code points) move above U+E000..U+FFFF; everything else keeps its order.
function codePointOrderKey(unit: number): number {
  if (unit >= 0xe000) return unit - 0x800;
  if (unit >= 0xd800) return unit + 0x2000;
  return unit;
}

/** A character for an error message: `"é" (U+00E9)`. */
export function describeChar(c: string): string {
  const cp = c.codePointAt(0) ?? 0;
  const shown = cp < 0x20 || (cp >= 0xd800 && cp < 0xe000) ? "" : `${JSON.stringify(c)} `;
  return `${shown}(U+${cp.toString(16).toUpperCase().padStart(4, "0")})`;
}

const encoder = new TextEncoder();
// ignoreBOM keeps a leading U+FEFF as text instead of silently dropping it.
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });

/** UTF-8 bytes of `s`; a lone surrogate becomes U+FFFD's bytes EF BF BD, as TextEncoder does. */
export function utf8Encode(s: string): Uint8Array {
  return encoder.encode(s);
}

/** Decodes UTF-8, replacing each invalid sequence with U+FFFD (like Python's `errors="replace"`). */
export function utf8Decode(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}
