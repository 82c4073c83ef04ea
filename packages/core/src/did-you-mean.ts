import { compareText } from './model/node.js';

/**
 * "Did you mean" suggestions for a misspelt word: config keys, plugin names, HAProxy directives
 * and server keywords. One rule everywhere, so the same typo gets the same kind of hint.
 */

/**
 * Edit distance counting an insertion, a deletion, a substitution or a swap of two neighbouring
 * characters as 1 (optimal string alignment: `rsie` → `rise` is 1, not 2).
 */
export function editDistance(a: string, b: string): number {
  let beforePrevious: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      let best = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, (beforePrevious[j - 2] ?? 0) + 1);
      }
      current.push(best);
    }
    beforePrevious = previous;
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** How a candidate ranks against the typed word: lower `score` first, then `tie` lower first. */
interface Rank {
  candidate: string;
  score: number;
  tie: number;
}

/**
 * The candidate `word` most likely meant, or undefined when none is close. Case is ignored
 * (`MODE` → `mode`), and a candidate equal to `word` is never suggested.
 *
 * - A candidate at edit distance 0 or 1 ({@link editDistance}) wins (`rsie` → `rise`).
 * - Next, a candidate the word starts with and runs on from (`logfoo` → `log`, `intervall` →
 *   `interval`: what lighthouse 1.0's prefix match silently accepted), the longest if several.
 *   Running on into another word does not count: `option foo` is not a typo of `option`.
 * - Otherwise the smallest edit distance, up to a third of the word's length (at least 1), so
 *   short words get only near-certain hints (`foo` suggests nothing, not `log`).
 *
 * At equal rank a run-on candidate beats a plain one, then byte order decides, so messages are
 * deterministic whatever order the candidates come in.
 */
export function closestMatch(word: string, candidates: Iterable<string>): string | undefined {
  const typed = word.toLowerCase();
  const limit = Math.max(1, Math.floor(typed.length / 3));
  let best: Rank | undefined;
  for (const candidate of new Set(candidates)) {
    if (candidate === word || candidate === '') continue;
    const lower = candidate.toLowerCase();
    const runsOn =
      typed.length > lower.length &&
      typed.startsWith(lower) &&
      !/\s/.test(typed[lower.length] ?? '');
    const distance = editDistance(typed, lower);
    if (distance > limit && !runsOn) continue;
    // Distance 0 scores 0, distance 1 scores 2, any other run-on 3, distance d ≥ 2 scores 2d.
    const score = runsOn ? Math.min(2 * distance, 3) : 2 * distance;
    const rank = { candidate, score, tie: runsOn ? -lower.length : 1 };
    if (best === undefined || compareRanks(rank, best) < 0) best = rank;
  }
  return best?.candidate;
}

function compareRanks(a: Rank, b: Rank): number {
  return a.score - b.score || a.tie - b.tie || compareText(a.candidate, b.candidate);
}

/** ` (did you mean "interval"?)` when a candidate is close to `word`, else the empty string. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const match = closestMatch(word, candidates);
  return match === undefined ? '' : ` (did you mean "${match}"?)`;
}
