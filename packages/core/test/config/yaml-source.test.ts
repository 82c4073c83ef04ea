import { describe, expect, it } from 'vitest';
import { parseYaml } from '../../src/config/yaml-source.js';
import type { YamlDocument } from '../../src/config/yaml-source.js';

function parse(text: string): YamlDocument {
  const result = parseYaml(text);
  if (!result.ok) throw new Error(result.message);
  return result.document;
}

describe('parseYaml: pointer → line', () => {
  const text = [
    '# a comment first', // 1
    'discovery: zookeeper', // 2
    'haproxy:', // 3
    '  port: 8000', // 4
    '  backend:', // 5
    '    - "mode http"', // 6
    '', // 7
    '    - maxconn 500  # trailing comment', // 8
    '  nested: {a: 1, b: [x, y]}', // 9
    'checks:', // 10
    '  # comment between', // 11
    '  interval:', // 12
    '    3', // 13
    '  http:', // 14
    '    uri: /health', // 15
    'list:', // 16
    '  - name: first', // 17
    '    port: 1', // 18
    '  -', // 19
    '    name: second', // 20
    '  - - deep', // 21
    '"a/b~c": 1', // 22
  ].join('\n');
  const document = parse(text);

  it.each([
    ['/discovery', 2],
    ['/haproxy', 3],
    ['/haproxy/port', 4],
    ['/haproxy/backend', 5],
    ['/haproxy/backend/0', 6],
    ['/haproxy/backend/1', 8],
    ['/haproxy/nested', 9],
    ['/haproxy/nested/b/1', 9],
    ['/checks', 10],
    ['/checks/interval', 12],
    ['/checks/http/uri', 15],
    ['/list/0', 17],
    ['/list/0/port', 18],
    ['/list/1', 20],
    ['/list/1/name', 20],
    ['/list/2/0', 21],
    ['/a~1b~0c', 22],
  ])('%s is on line %i', (pointer, line) => {
    expect(document.lineOf(pointer)).toBe(line);
  });

  it('falls back to the nearest located ancestor, and has no line for the document', () => {
    expect(document.lineOf('/checks/http/rise')).toBe(14);
    expect(document.lineOf('/haproxy/backend/9')).toBe(5);
    expect(document.lineOf('/missing')).toBeUndefined();
    expect(document.lineOf('')).toBeUndefined();
  });

  it('handles CRLF line ends and a byte-order mark', () => {
    const crlf = parse('\uFEFFa: 1\r\nb:\r\n  c: 2\r\n');
    expect(crlf.lineOf('/b/c')).toBe(3);
  });

  it('locates what it can around aliases, merge keys and keys without values', () => {
    const tricky = parse(
      [
        'base: &base',
        '  rise: 1',
        'check:',
        '  <<: *base',
        '  fall: 2',
        'alias: *base',
        'flow: {a, b: 2}',
        'after: 1',
      ].join('\n'),
    );
    expect(tricky.value).toEqual({
      base: { rise: 1 },
      check: { rise: 1, fall: 2 },
      alias: { rise: 1 },
      flow: { a: null, b: 2 },
      after: 1,
    });
    expect(tricky.lineOf('/base/rise')).toBe(2);
    expect(tricky.lineOf('/check/fall')).toBe(5);
    // Merged and aliased content has no place of its own: its key's line stands in.
    expect(tricky.lineOf('/check/rise')).toBe(3);
    expect(tricky.lineOf('/alias/rise')).toBe(6);
    expect(tricky.lineOf('/flow/b')).toBe(7);
    expect(tricky.lineOf('/after')).toBe(8);
  });
});

describe('parseYaml: errors', () => {
  it.each([
    ['a: 1\nb: [1, 2\n', 3, /unexpected end of the stream within a flow collection/],
    ['a: 1\n  b: 2\n', 2, /bad indentation of a mapping entry/],
    ['a: 1\na: 2\n', 2, /duplicated mapping key/],
    ['a: !!python/object:os.system x\n', 1, /unknown tag/],
  ])('%j fails on line %i', (text, line, message) => {
    const result = parseYaml(text);
    expect(result).toMatchObject({ ok: false, line, message: expect.stringMatching(message) });
  });

  it('reports errors that js-yaml gives no position', () => {
    expect(parseYaml('--- 1\n--- 2\n')).toEqual({
      ok: false,
      message: 'invalid YAML: expected a single document in the stream, but found more',
    });
  });
});
