import { hasControlCharacter, printable } from '@lighthouse/core';

/**
 * The shape of one user-supplied HAProxy line, independent of its keyword: one physical line,
 * words split the way HAProxy 2.6's parser splits them (quotes, backslash escapes, `#` comments),
 * so keyword matching sees what HAProxy will see.
 */

/** The words of a line, or why HAProxy could not parse it. */
export type SplitResult = { ok: true; words: string[] } | { ok: false; reason: string };

/**
 * Strips surrounding spaces, as YAML lines are written. Only U+0020: any other whitespace is a
 * control character and rejected, never silently removed.
 */
export function normalizeLine(line: string): string {
  return line.replace(/^ +| +$/g, '');
}

/**
 * Splits a line into words like HAProxy's `parse_line`: spaces separate words; `"…"` and `'…'`
 * quote (backslash escapes work outside single quotes); an unquoted `#` starts a comment.
 * Variable expansion (`"${X}"`) is left as is: it cannot add a line.
 */
export function splitWords(line: string): SplitResult {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const char = line.charAt(i);
    if (quote === "'") {
      if (char === "'") quote = undefined;
      else word += char;
    } else if (char === '\\') {
      if (i + 1 >= line.length) return { ok: false, reason: 'ends with a backslash' };
      word += line.charAt(++i);
      inWord = true;
    } else if (quote === '"') {
      if (char === '"') quote = undefined;
      else word += char;
    } else if (char === ' ') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else if (char === '#') {
      break;
    } else {
      if (char === '"' || char === "'") quote = char;
      else word += char;
      inWord = true;
    }
  }
  if (quote !== undefined) return { ok: false, reason: `has an unterminated ${quote} quote` };
  if (inWord) words.push(word);
  return { ok: true, words };
}

/**
 * Why `line` (already normalized) cannot be one HAProxy config line, or its words. Every C0/C1
 * control character is refused, tabs included: HAProxy would read a tab as a space, but nothing
 * legitimate needs one and refusing them all keeps the rule simple. Comment-only lines are
 * refused too: YAML comments are the place for those.
 */
export function lineWords(line: string): SplitResult {
  if (line === '') return { ok: false, reason: 'is empty' };
  if (hasControlCharacter(line)) {
    return {
      ok: false,
      reason: `contains a control character (newline, tab…): "${printable(line)}"`,
    };
  }
  if (line.startsWith('#')) {
    return { ok: false, reason: 'is only a comment: use a YAML comment instead' };
  }
  const split = splitWords(line);
  if (split.ok && split.words.length === 0) return { ok: false, reason: 'has no keyword' };
  return split;
}
