import { describe, expect, it } from 'vitest';
import {
  driftedSections,
  FIX,
  generate,
  loadSchemas,
  renderTables,
  sectionIds,
  sectionProblems,
  spliceGenerated,
} from '../config-reference.mjs';

/**
 * docs/configuration.md's key tables are generated from the config files' JSON Schemas by
 * scripts/config-reference.mjs. These tests fail when the doc drifts from the schemas, when a
 * file type has no table, and when the renderer loses what a table must show.
 */

/** A small schema with everything a table must render. */
const synthetic = {
  type: 'object',
  required: ['name'],
  properties: {
    name: { type: 'string', description: 'The name.' },
    mode: {
      enum: ['fast', 'safe'],
      default: 'safe',
      description: 'How to run:\n  either way works.',
    },
    limits: {
      type: 'object',
      required: ['max'],
      properties: {
        max: { type: 'integer', minimum: 1, maximum: 10, description: 'Upper bound (a | b).' },
      },
      description: 'Limits.',
    },
    servers: {
      type: 'array',
      items: {
        type: 'object',
        required: ['host'],
        properties: { host: { type: 'string', description: 'Host of `a|b` <host>.' } },
      },
      description: 'Servers.',
    },
  },
};

/** The row of `key` in a rendered table, split into its cells. */
function row(table: string, key: string): string[] {
  const line = table.split('\n').find((candidate) => candidate.startsWith(`| \`${key}\` `));
  if (line === undefined) throw new Error(`no row for ${key} in\n${table}`);
  return line
    .slice(2, -2)
    .split(' | ')
    .map((cell) => cell.trim());
}

describe('docs/configuration.md', () => {
  it('is up to date with the config schemas', async () => {
    const { current, generated } = await generate();
    const drifted = driftedSections(current, generated);
    expect(
      drifted,
      `docs/configuration.md drifted from the schemas in sections ${drifted.join(', ')}: run \`${FIX}\` (after \`tsc -b\`)`,
    ).toEqual([]);
  });

  it('has a section for every config file schema, and a schema for every section', async () => {
    const { current, problems } = await generate();
    expect(problems, `fix the markers in docs/configuration.md, then run \`${FIX}\``).toEqual([]);
    const schemas = await loadSchemas();
    expect(Object.keys(schemas)).toEqual(
      expect.arrayContaining(['service', 'cluster', 'balancer-haproxy', 'discovery-zookeeper']),
    );
    for (const name of Object.keys(schemas)) expect(sectionIds(current)).toContain(name);
  });
});

describe('the key table renderer', () => {
  const table = renderTables({ demo: synthetic })['demo'] ?? '';

  it('lists nested keys as dotted paths and array items as a[]', () => {
    expect(row(table, 'limits.max')).toEqual([
      '`limits.max`',
      'integer 1–10',
      'with `limits`',
      '',
      'Upper bound (a \\| b).',
    ]);
    expect(row(table, 'servers')[1]).toBe('object[]');
    expect(row(table, 'servers[].host')[2]).toBe('in each `servers[]`');
    expect(row(table, 'name')[2]).toBe('yes');
  });

  it('shows defaults and enums, and collapses newlines', () => {
    expect(row(table, 'mode')).toEqual([
      '`mode`',
      'string',
      '',
      '`safe`',
      'How to run: either way works. One of: `fast`, `safe`.',
    ]);
    expect(table).not.toMatch(/works\.\n|run:\n/);
  });

  it('escapes | everywhere and < outside code', () => {
    expect(row(table, 'servers[].host')[4]).toBe('Host of `a\\|b` \\<host>.');
  });

  it('lists a subtree with its own section only there', () => {
    const tables = renderTables({ demo: synthetic }, ['demo', 'demo/limits']);
    expect(tables['demo']).toContain('`limits`');
    expect(tables['demo']).not.toContain('`limits.max`');
    expect(row(tables['demo/limits'] ?? '', 'max')[2]).toBe('yes');
  });
});

describe('sections', () => {
  const doc = [
    '# Doc',
    'Prose before.',
    '<!-- generated:demo begin -->',
    'stale table',
    '<!-- generated:demo end -->',
    'Prose after.',
    '<!-- generated:gone begin -->',
    '<!-- generated:gone end -->',
    '',
  ].join('\n');

  it('replaces only what is between the markers, and names the drifted sections', () => {
    const tables = renderTables({ demo: synthetic });
    const spliced = spliceGenerated(doc, tables);
    expect(spliced).toContain('Prose before.\n<!-- generated:demo begin -->\n\n| key |');
    expect(spliced).toContain('<!-- generated:demo end -->\nProse after.');
    expect(spliced).not.toContain('stale table');
    expect(driftedSections(doc, spliced)).toEqual(['demo']);
    expect(spliceGenerated(spliced, tables)).toBe(spliced);
  });

  it('reports a marker without a schema and a schema without a section', () => {
    expect(sectionProblems(doc, { demo: synthetic, other: synthetic })).toEqual([
      'section "gone" names no key of the config schemas',
      'schema "other" has no <!-- generated:other begin --> section',
    ]);
  });

  it('rejects unbalanced markers', () => {
    expect(() => spliceGenerated('<!-- generated:demo begin -->\n', {})).toThrow(/no end marker/);
  });
});
