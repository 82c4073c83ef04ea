import { closestMatch, hasControlCharacter, printable } from '@lighthouse/core';
import {
  SERVER_FLAG_KEYWORDS,
  SERVER_SOURCE_MODIFIERS,
  SERVER_VALUE_KEYWORDS,
} from './directive-table.js';

/**
 * A cluster's `server_options`: keywords appended to every server line of its backend. Lighthouse
 * 1.0 appended the string verbatim, so `"check\nlisten evil…"` added a proxy (B14). Here it must
 * be a sequence of HAProxy 2.6 server keywords, each with its value when it takes one.
 */

/** Server keywords refused in server_options, and why. */
const OWNED: Readonly<Record<string, string>> = {
  cookie: 'lighthouse gives each server its own cookie when the backend uses cookies',
  id: 'every server would get the same id, which HAProxy refuses',
};

/**
 * Words are separated by plain spaces and may hold only printable ASCII. Refused besides: quotes
 * and backslashes (HAProxy's config parser would interpret them), `#` (it would comment out the
 * rest of the server line, the node's weight included) and `;` (the words are also sent to the
 * runtime API in `add server`, whose command lines are `;`-separated: `check;show` would run a
 * second command). A value that needs one of them cannot be expressed, which no 2.6 keyword
 * requires except an `agent-send` string with spaces.
 */
const ALLOWED = /^[!-~]$/;
const FORBIDDEN: Readonly<Record<string, string>> = {
  '"': 'HAProxy would read it as quoting',
  "'": 'HAProxy would read it as quoting',
  '\\': 'HAProxy would read it as an escape',
  '#': 'HAProxy would comment out the rest of the server line',
  ';': 'the runtime API would read it as a command separator',
};

/** Why `word` holds a character server_options cannot carry, naming it; undefined when none. */
function characterProblem(word: string): string | undefined {
  for (const char of word) {
    const why =
      FORBIDDEN[char] ?? (ALLOWED.test(char) ? undefined : 'only printable ASCII is allowed');
    if (why === undefined) continue;
    const code = `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
    const shown = !ALLOWED.test(char) ? code : char === '"' ? `'"'` : `"${char}"`;
    return `character ${shown} in "${printable(word, 40)}" is not allowed: ${why}`;
  }
  return undefined;
}

/** The option words, normalized (no empty words): what renders after each server. */
export function serverOptionWords(options: string | undefined): string[] {
  return (options ?? '').split(' ').filter((word) => word !== '');
}

/** Why `options` is not a valid server_options string, or undefined when it is. */
export function serverOptionsProblem(options: string): string | undefined {
  if (hasControlCharacter(options)) {
    return `contains a control character (newline, tab…): "${printable(options)}"`;
  }
  const words = serverOptionWords(options);
  for (const word of words) {
    const problem = characterProblem(word);
    if (problem !== undefined) return problem;
  }
  for (let index = 0; index < words.length; index++) {
    const keyword = words[index] ?? '';
    const owned = OWNED[keyword];
    if (owned !== undefined) return `"${keyword}" is not allowed: ${owned}`;
    const takesValue = SERVER_VALUE_KEYWORDS.includes(keyword) || keyword === 'source';
    if (!takesValue && !SERVER_FLAG_KEYWORDS.includes(keyword)) {
      const guess = closestMatch(keyword, [
        ...SERVER_FLAG_KEYWORDS,
        ...SERVER_VALUE_KEYWORDS,
        'source',
      ]);
      const hint = guess === undefined ? '' : ` (did you mean "${guess}"?)`;
      return `unknown server keyword "${printable(keyword, 40)}"${hint}`;
    }
    if (takesValue && ++index >= words.length) return `"${keyword}" needs a value`;
    while (keyword === 'source' && SERVER_SOURCE_MODIFIERS.includes(words[index + 1] ?? '')) {
      const modifier = words[index + 1] ?? '';
      index += 2;
      if (index >= words.length) return `"source … ${modifier}" needs a value`;
    }
  }
  return undefined;
}
