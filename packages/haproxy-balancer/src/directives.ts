import { closestMatch, compareText, InternalError, printable } from '@lighthouse/core';
import {
  GLOBAL_KEYWORDS,
  GLOBAL_NEGATABLE,
  MATRIX_CORRECTIONS,
  PEERS_KEYWORDS,
  PROXY_KEYWORD_MATRIX,
  REMOVED_KEYWORDS,
} from './directive-table.js';
import { lineWords, normalizeLine } from './lines.js';

/**
 * The per-section directive table built from directive-table.ts, and the check every user line
 * goes through. Keywords match as whole words, multi-word keywords included (`timeout connect`,
 * `tcp-request connection`): lighthouse 1.0 matched prefixes, so `log` accepted `logfoo` (B15).
 */

/** The HAProxy section kinds a directive can belong to. */
export const SECTIONS = ['global', 'defaults', 'frontend', 'backend', 'listen', 'peers'] as const;
/** One of {@link SECTIONS}. */
export type Section = (typeof SECTIONS)[number];

/** One keyword of the table (exported for docs). */
export interface Directive {
  /** The whole keyword, words separated by one space: `option httplog`. */
  keyword: string;
  /** Sections it may appear in, in {@link SECTIONS} order. */
  sections: readonly Section[];
  /** May be prefixed with `no` (HAProxy's "(*)"). */
  negatable: boolean;
  /** Only in *named* defaults sections (HAProxy's "(!)"); lighthouse writes an anonymous one. */
  namedDefaultsOnly: boolean;
}

/**
 * Keywords lighthouse writes itself, refused in user lines of that section because the two would
 * conflict. Other generated lines (`bind`, `use_backend`, `acl`…) may be added to by users.
 */
export const OWNED_DIRECTIVES: Readonly<
  Partial<Record<Section, Readonly<Record<string, string>>>>
> = {
  global: {
    'stats socket': 'lighthouse writes the admin socket line from socket_file',
    'server-state-file': 'set server_state_file in balancers/haproxy.yaml instead',
    pidfile: 'lighthouse passes pid_file to HAProxy (-p), which would refuse a second one',
  },
  backend: {
    server: 'servers come from discovery; put server keywords in server_options',
    'server-template': 'servers come from discovery; put server keywords in server_options',
  },
};

/**
 * Lines outside their documented sections that HAProxy 2.6 accepts with a warning and that
 * lighthouse 1.0 configs use: `maxconn 500` in a backend is in 1.0's own manual (HAProxy ignores
 * it there; `fullconn`, or `maxconn` in server_options, is what limits a backend). Accepted so
 * that 1.0 config directories keep validating unchanged.
 */
const TOLERATED_FOR_COMPATIBILITY: ReadonlySet<string> = new Set(['backend maxconn']);

const MATRIX_ROW =
  /^(\S+(?: \S+)*) {2,}(?:(\(\*\)|\(deprecated\)) +)?([X-])( \(!\))? +([X-]) +([X-]) +([X-])$/;
const MATRIX_COLUMNS = ['defaults', 'frontend', 'listen', 'backend'] as const;

function buildTable(): ReadonlyMap<string, Directive> {
  const table = new Map<string, { sections: Set<Section>; negatable: boolean; named: boolean }>();
  const add = (keyword: string, section: Section, negatable: boolean, named = false): void => {
    if (REMOVED_KEYWORDS[keyword] !== undefined) return;
    const entry = table.get(keyword) ?? { sections: new Set(), negatable: false, named: false };
    if (!named) entry.sections.add(section);
    entry.negatable ||= negatable;
    entry.named ||= named;
    table.set(keyword, entry);
  };
  for (const row of PROXY_KEYWORD_MATRIX.trim().split('\n')) {
    const match = MATRIX_ROW.exec(row);
    if (match === null) throw new InternalError(`unreadable keyword matrix row: ${row}`);
    const [, keyword = '', flag, defaults, named, frontend, listen, backend] = match;
    const marks = [defaults, frontend, listen, backend];
    MATRIX_COLUMNS.forEach((section, index) => {
      const excluded = MATRIX_CORRECTIONS.some(
        (fix) => fix.keyword === keyword && fix.section === section,
      );
      if (marks[index] === 'X' && !excluded) {
        add(keyword, section, flag === '(*)', section === 'defaults' && named !== undefined);
      }
    });
  }
  for (const keyword of GLOBAL_KEYWORDS) {
    add(keyword, 'global', GLOBAL_NEGATABLE.includes(keyword));
  }
  for (const keyword of PEERS_KEYWORDS) add(keyword, 'peers', false);
  const sorted = [...table].sort(([a], [b]) => compareText(a, b));
  return new Map(
    sorted.map(([keyword, { sections, negatable, named }]) => [
      keyword,
      {
        keyword,
        sections: SECTIONS.filter((section) => sections.has(section)),
        negatable,
        namedDefaultsOnly: named,
      },
    ]),
  );
}

const TABLE = buildTable();

/** Every directive, sorted by keyword: the table the docs print. */
export const DIRECTIVES: readonly Directive[] = [...TABLE.values()];

/** The longest keyword (up to 3 words) that `words` starts with and `known` accepts. */
function longestKeyword(words: readonly string[], known: (keyword: string) => boolean) {
  for (let count = Math.min(3, words.length); count >= 1; count--) {
    const keyword = words.slice(0, count).join(' ');
    if (known(keyword)) return keyword;
  }
  return undefined;
}

/** The first word of a multi-word keyword (`option` of `option httplog`), or undefined. */
const headOf = (keyword: string) =>
  keyword.includes(' ') ? keyword.slice(0, keyword.indexOf(' ')) : undefined;

/** Heads of multi-word keywords, to name `option foo` (not just `option`) when it is unknown. */
const HEADS = new Set(DIRECTIVES.flatMap(({ keyword }) => headOf(keyword) ?? []));

type Resolution =
  | { kind: 'invalid'; message: string }
  | { kind: 'found'; directive: Directive; negated: boolean; args: string[] };

function resolve(section: Section, line: string): Resolution {
  const split = lineWords(normalizeLine(line));
  if (!split.ok) return { kind: 'invalid', message: `line ${split.reason}` };
  const negated = split.words[0] === 'no' && split.words.length > 1;
  const words = negated ? split.words.slice(1) : split.words;
  const removed = longestKeyword(words, (keyword) => REMOVED_KEYWORDS[keyword] !== undefined);
  if (removed !== undefined) {
    return { kind: 'invalid', message: `"${removed}" ${REMOVED_KEYWORDS[removed] ?? ''}` };
  }
  const keyword = longestKeyword(words, (candidate) => TABLE.has(candidate));
  const directive = keyword === undefined ? undefined : TABLE.get(keyword);
  if (directive === undefined) {
    const attempted = printable(words.slice(0, HEADS.has(words[0] ?? '') ? 2 : 1).join(' '), 40);
    const inSection = DIRECTIVES.filter((entry) => entry.sections.includes(section));
    const keywords = inSection.map((entry) => entry.keyword);
    const guess = closestMatch(attempted, [
      ...keywords,
      ...keywords.flatMap((k) => headOf(k) ?? []),
    ]);
    const hint = guess === undefined ? '' : ` (did you mean "${guess}"?)`;
    return { kind: 'invalid', message: `unknown ${section} directive "${attempted}"${hint}` };
  }
  const args = words.slice(directive.keyword.split(' ').length);
  return { kind: 'found', directive, negated, args };
}

function sectionProblem(section: Section, directive: Directive, negated: boolean) {
  const { keyword } = directive;
  if (section === 'defaults' && directive.namedDefaultsOnly) {
    return `"${keyword}" is not allowed in the anonymous defaults section lighthouse writes (HAProxy accepts it only in named ones): put it in each frontend or backend`;
  }
  if (
    !directive.sections.includes(section) &&
    !TOLERATED_FOR_COMPATIBILITY.has(`${section} ${keyword}`)
  ) {
    return `"${keyword}" is not allowed in a ${section} section (only in: ${directive.sections.join(', ')})`;
  }
  if (negated && !directive.negatable) return `"no" cannot be used with "${keyword}"`;
  const owned = OWNED_DIRECTIVES[section]?.[keyword];
  return owned === undefined ? undefined : `"${keyword}" is written by lighthouse: ${owned}`;
}

/**
 * Why `line` may not appear in a `section` stanza, or undefined when it may. Surrounding spaces
 * are ignored (they are stripped when rendering). The arguments are left to HAProxy, which checks
 * them with `haproxy -c` before any reload; what is checked here guarantees the line stays one
 * line with a known keyword.
 */
export function validateLine(section: Section, line: string): string | undefined {
  const resolution = resolve(section, line);
  if (resolution.kind === 'invalid') return resolution.message;
  return sectionProblem(section, resolution.directive, resolution.negated);
}

/** A valid line's keyword and arguments, or undefined when the line is not valid there. */
export function parseDirective(
  section: Section,
  line: string,
): { keyword: string; negated: boolean; args: readonly string[] } | undefined {
  const resolution = resolve(section, line);
  if (resolution.kind === 'invalid') return undefined;
  const { directive, negated, args } = resolution;
  if (sectionProblem(section, directive, negated) !== undefined) return undefined;
  return { keyword: directive.keyword, negated, args };
}
