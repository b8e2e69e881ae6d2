/** sacreBLEU's default tokenisation of hypotheses and references before BLEU counts n-grams. */

/** The mteval-v13a tokenisation that sacreBLEU applies by default (its `13a` tokenizer). */
export function tokenize13a(line: string): string {
  let s = line
    .replace(/<skipped>/g, "")
    .replace(/-\n/g, "")
    .replace(/\n/g, " ")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, "&")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">");
  s = ` ${s} `;
  // Split off ASCII symbols and punctuation except ' , - . (which follow the rules below).
  s = s.replace(/([{-~[-` -&(-+:-@/])/g, " $1 ");
  // Period and comma, unless between digits.
  s = s.replace(/([^0-9])([.,])/g, "$1 $2 ");
  s = s.replace(/([.,])([^0-9])/g, " $1 $2");
  // A dash after a digit.
  s = s.replace(/([0-9])(-)/g, "$1 $2 ");
  return s.trim().split(/\s+/).filter(Boolean).join(" ");
}
