/**
 * Durations for maintenance TTLs (`lighthouse maint down --ttl 1h30m`). The grammar is small and
 * strict on purpose: a typo in a TTL must be an error, not a maintenance that lasts forever or
 * ends at once.
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The longest duration accepted: a forgotten maintenance still lapses within about a year. */
export const MAX_DURATION_MS = 366 * DAY;

/**
 * Longer texts are refused before matching. The longest sensible text ("366d23h59m59s999ms") has
 * 18 characters; the cap keeps hostile input (a 10 KB string) from costing anything.
 */
const MAX_TEXT_LENGTH = 32;

/**
 * Each unit at most once, in descending order, integers only. `m(?!s)` keeps minutes from
 * swallowing the `m` of `ms`. Lower case only, so `1M` (month? minute?) is refused.
 */
const DURATION = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$/;
const UNITS = [DAY, HOUR, MINUTE, SECOND, 1] as const;

/**
 * Milliseconds for a duration such as `30s`, `10m`, `2h`, `1d`, `1h30m`, `1d12h`, `90s` or `250ms`.
 * Components are non-negative integers in descending unit order (`d`, `h`, `m`, `s`, `ms`), each
 * unit at most once; the total must be more than 0 and at most 366 days. Anything else — an empty
 * string, a bare number, a sign, a fraction, an exponent, whitespace, an unknown or repeated unit
 * — gives undefined.
 */
export function parseDuration(text: string): number | undefined {
  if (typeof text !== 'string' || text.length > MAX_TEXT_LENGTH) return undefined;
  const match = DURATION.exec(text);
  if (match === null) return undefined;
  let total = 0;
  UNITS.forEach((unit, index) => {
    const digits = match[index + 1];
    if (digits !== undefined) total += Number(digits) * unit;
  });
  // Within the length cap every component is exact in a double, and the sum of the largest ones
  // stays far below 2^53, so this comparison is exact.
  return total > 0 && total <= MAX_DURATION_MS ? total : undefined;
}

/**
 * Formats milliseconds for display, rounding down to whole seconds: `5400000` → `1h30m`,
 * `45000` → `45s`, `90061000` → `1d1h1m1s`. Zero components are left out. Anything under one
 * second — and a negative, NaN or infinite value — is `0s`, so a display never shows `NaN` (note
 * that `0s` itself is not a valid {@link parseDuration} input: a TTL must be positive). For every
 * whole-second value from 1 s to {@link MAX_DURATION_MS}, `parseDuration(formatDuration(ms)) === ms`.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < SECOND) return '0s';
  let rest = Math.floor(ms / SECOND) * SECOND;
  let text = '';
  for (const [unit, suffix] of [
    [DAY, 'd'],
    [HOUR, 'h'],
    [MINUTE, 'm'],
    [SECOND, 's'],
  ] as const) {
    const count = Math.floor(rest / unit);
    if (count > 0) text += `${count}${suffix}`;
    rest -= count * unit;
  }
  return text;
}
