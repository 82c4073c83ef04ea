import { describe, expect, it } from 'vitest';
import { DIRECTIVES, SECTIONS } from '../src/directives.js';
import type { Section } from '../src/directives.js';
import { REMOVED_KEYWORDS } from '../src/directive-table.js';
import { checkWithHAProxy } from './haproxy-check.js';

/**
 * The table against the installed HAProxy (2.6 in CI): every keyword it allows in a section is
 * one HAProxy knows there, and every keyword it calls removed is one HAProxy refuses or flags.
 * Lines carry no arguments, so HAProxy complains about arguments; what must not appear is a
 * complaint about the keyword itself.
 */

/** Keywords of optional HAProxy build features (Debian's package lacks them). */
const BUILD_OPTIONAL =
  /^(51degrees-|deviceatlas-|wurfl-|tune\.quic\.|tune\.zlib\.|ssl-engine$|profiling\.memory$)/;

/** Deprecated in configuration.txt §3.1 yet accepted silently by 2.6. */
const SILENTLY_DEPRECATED = ['stats bind-process'];

const KEYWORD_COMPLAINT = new RegExp(
  [
    'unknown keyword',
    'unknown option',
    'not supported any',
    'no longer',
    "doesn't exist",
    'deprecated',
    'negation/default',
    'ignored because',
    'is ignored in',
    'not allowed',
  ].join('|'),
  'i',
);

const HEADERS: Record<Section, string> = {
  global: 'global',
  defaults: 'defaults',
  frontend: 'frontend fe',
  backend: 'backend be',
  listen: 'listen li',
  peers: 'peers pe',
};

/** HAProxy's complaints per line (in chunks: HAProxy stops after too many errors). */
function complaints(section: Section, lines: readonly string[]): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (let start = 0; start < lines.length; start += 15) {
    const chunk = lines.slice(start, start + 15);
    const text = [HEADERS[section], ...chunk.map((line) => `    ${line}`), ''].join('\n');
    for (const output of checkWithHAProxy(text).output.split('\n')) {
      const at = /haproxy\.cfg:(\d+)\]/.exec(output);
      const line = at === null ? undefined : chunk[Number(at[1]) - 2];
      if (line !== undefined) found.set(line, [...(found.get(line) ?? []), output]);
    }
  }
  return found;
}

describe('directive table vs haproxy -c', () => {
  it.each(SECTIONS)('HAProxy knows every %s keyword of the table', (section) => {
    const lines = DIRECTIVES.filter(
      (directive) =>
        directive.sections.includes(section) && !BUILD_OPTIONAL.test(directive.keyword),
    ).flatMap(({ keyword, negatable }) => (negatable ? [keyword, `no ${keyword}`] : [keyword]));
    const refused = [...complaints(section, lines)].filter(([, outputs]) =>
      outputs.some((output) => KEYWORD_COMPLAINT.test(output)),
    );
    expect(refused).toEqual([]);
  });

  it('HAProxy refuses or flags every removed keyword', () => {
    const globalOnes = [
      'debug',
      'nbproc',
      'stats bind-process',
      'tune.ssl.capture-cipherlist-size',
    ];
    const removed = Object.keys(REMOVED_KEYWORDS).filter((k) => !SILENTLY_DEPRECATED.includes(k));
    const flagged = new Map([
      ...complaints(
        'global',
        removed.filter((keyword) => globalOnes.includes(keyword)),
      ),
      ...complaints(
        'backend',
        removed.filter((keyword) => !globalOnes.includes(keyword)),
      ),
    ]);
    expect(removed.filter((keyword) => flagged.get(keyword) === undefined)).toEqual([]);
  });
});
