import { parseDirective } from './directives.js';
import type { Section } from './directives.js';
import { normalizeLine } from './lines.js';

/**
 * The layout of the generated file: stanzas (a header and indented lines) grouped in sections
 * under a `#` header block, as lighthouse 1.0 did, minus its trailing whitespace and blank-stanza
 * artifacts. Indentation is spaces: the file holds no control character but "\n".
 */

/** One HAProxy section: `backend webapp` and its lines. */
export interface Stanza {
  header: string;
  lines: readonly string[];
}

const INDENT = '    ';

export function stanzaText({ header, lines }: Stanza): string {
  return [header, ...lines.map((line) => `${INDENT}${line}`)].join('\n');
}

/** A `#` header block and its stanzas' texts, one blank line apart (1.0's layout). */
export function sectionText(heading: string, stanzas: readonly string[]): string {
  const content =
    stanzas.length === 0 ? '# No stanzas defined for this section.' : stanzas.join('\n\n');
  return `#\n# ${heading}\n#\n\n${content}`;
}

/** A config's user lines as rendered: surrounding spaces stripped, absent lists empty. */
export function userLines(list: readonly string[] | undefined): string[] {
  return (list ?? []).map(normalizeLine);
}

/** True when one of `lines` (valid in `section`) uses `keyword`. */
export function hasDirective(section: Section, lines: readonly string[], keyword: string): boolean {
  return lines.some((line) => parseDirective(section, line)?.keyword === keyword);
}
