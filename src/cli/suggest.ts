/** "Did you mean ...?" for a mistyped command or option, as git suggests the closest command. */

/** Edits (insert, delete, substitute, swap two neighbours) that turn `a` into `b`. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [
    i,
    ...new Array<number>(b.length).fill(0),
  ]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.length][b.length];
}

/**
 * The names a typo of `word` most likely meant: the nearest by edit distance when it is within a third
 * of the word's length, otherwise the names that start with it (`--eval` for `--eval_interval`).
 */
export function closestNames(word: string, names: readonly string[]): string[] {
  const limit = Math.max(1, Math.floor(word.length / 3));
  let best = Infinity;
  let nearest: string[] = [];
  for (const name of names) {
    const d = editDistance(word, name);
    if (d < best) [best, nearest] = [d, [name]];
    else if (d === best) nearest.push(name);
  }
  if (best <= limit) return nearest;
  return word.length >= 3 ? names.filter((n) => n.startsWith(word)) : [];
}

/** `; did you mean --n_layer?` (or `--a, --b or --c`), or "" when nothing is close. */
export function didYouMean(word: string, names: readonly string[], show = (n: string) => n): string {
  const close = closestNames(word, names).map(show);
  if (close.length === 0) return "";
  const list =
    close.length === 1 ? close[0] : `${close.slice(0, -1).join(", ")} or ${close[close.length - 1]}`;
  return `; did you mean ${list}?`;
}
