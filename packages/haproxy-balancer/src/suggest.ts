import { compareText } from '@lighthouse/core';

/** Edit distance counting insertions, deletions, substitutions and swaps of neighbours as 1. */
function distance(a: string, b: string): number {
  const rows: number[][] = [Array.from({ length: b.length + 1 }, (_, index) => index)];
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const above = rows[i - 1] ?? [];
      let best = Math.min((above[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (above[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, (rows[i - 2]?.[j - 2] ?? 0) + 1);
      }
      row.push(best);
    }
    rows.push(row);
  }
  return rows[a.length]?.[b.length] ?? 0;
}

/**
 * The candidate a mistyped keyword most likely meant, or undefined when none is close. A
 * candidate the word is glued to wins first (`logfoo` → `log`: what lighthouse 1.0's prefix
 * match silently accepted), then the smallest edit distance within a third of the length.
 * Case is ignored (`MODE` → `mode`). Ties go to the alphabetically first candidate, so messages
 * are deterministic.
 */
export function closest(typed: string, candidates: Iterable<string>): string | undefined {
  const word = typed.toLowerCase();
  const sorted = [...new Set(candidates)].sort(compareText);
  const prefix = sorted
    .filter(
      (candidate) => word.startsWith(candidate) && !/^ |^$/.test(word.slice(candidate.length)),
    )
    .sort((a, b) => b.length - a.length)[0];
  if (prefix !== undefined) return prefix;
  const limit = Math.max(1, Math.floor(word.length / 3));
  let best: { candidate: string; score: number } | undefined;
  for (const candidate of sorted) {
    const score = distance(word, candidate);
    if (score <= limit && (best === undefined || score < best.score)) best = { candidate, score };
  }
  return best?.candidate;
}
