import Type from 'typebox';
import { describe, expect, it } from 'vitest';
import { schemaProblems, validateSchema } from '../../src/config/schema-errors.js';

const Schema = Type.Object(
  {
    interval: Type.Number({ exclusiveMinimum: 0, description: 'seconds' }),
    mode: Type.Optional(
      Type.Union([Type.Literal('tcp'), Type.Literal('http')], { description: 'mode' }),
    ),
    port: Type.Optional(
      Type.Union([Type.Integer(), Type.Array(Type.Integer())], { description: 'port(s)' }),
    ),
    host: Type.Optional(
      Type.String({ pattern: '^[a-z]+$', description: 'Lower-case letters only.' }),
    ),
    code: Type.Optional(Type.String({ pattern: '^[0-9]+$' })),
    retries: Type.Optional(Type.Integer({ default: 3, description: 'retries' })),
    nested: Type.Optional(
      Type.Object(
        { depth: Type.Integer({ description: 'depth' }) },
        { additionalProperties: false, description: 'nested' },
      ),
    ),
  },
  { additionalProperties: false },
);

describe('schemaProblems', () => {
  it.each([
    [{ interval: 'soon' }, [['/interval', 'expected a number, got "soon"']]],
    [{}, [['/interval', 'missing required key "interval"']]],
    [{ interval: 0 }, [['/interval', 'must be greater than 0, got 0']]],
    [
      { interval: 1, intervall: 2 },
      [['/intervall', 'unknown key "intervall" (did you mean "interval"?)']],
    ],
    [{ interval: 1, whatever: 2 }, [['/whatever', 'unknown key "whatever"']]],
    [{ interval: 1, mode: 'udp' }, [['/mode', 'expected one of "tcp", "http", got "udp"']]],
    [{ interval: 1, port: 'x' }, [['/port', 'expected an integer or a list, got "x"']]],
    [{ interval: 1, host: 'Web1' }, [['/host', 'invalid value "Web1": Lower-case letters only.']]],
    [{ interval: 1, code: 'x' }, [['/code', '"x" does not match the pattern ^[0-9]+$']]],
    [
      { interval: 1, nested: { depth: null, dpth: 1 } },
      [
        ['/nested/dpth', 'unknown key "dpth" (did you mean "depth"?)'],
        ['/nested/depth', 'expected an integer, got an empty value'],
      ],
    ],
  ])('%j', (value, expected) => {
    const problems = schemaProblems(Schema, value).map(({ pointer, message }) => [
      pointer,
      message,
    ]);
    expect(problems).toEqual(expected);
  });

  it('puts problems below the given pointer, escapes keys, and suggests extra keys at the top', () => {
    const problems = schemaProblems(
      Schema,
      { interval: 1, 'a/b': 1, 'risee\n': 2 },
      { pointer: '/checks/x', knownKeys: ['rise'] },
    );
    expect(problems).toEqual([
      { pointer: '/checks/x/a~1b', message: 'unknown key "a/b"' },
      {
        pointer: '/checks/x/risee\\u000a',
        message: 'unknown key "risee\\u000a" (did you mean "rise"?)',
      },
    ]);
  });
});

describe('validateSchema', () => {
  it('applies defaults before checking and returns the defaulted value', () => {
    expect(validateSchema(Schema, { interval: 2 })).toEqual({
      ok: true,
      value: { interval: 2, retries: 3 },
    });
  });
  it('reports unknown keys instead of dropping them', () => {
    expect(validateSchema(Schema, { interval: 2, extra: true })).toEqual({
      ok: false,
      problems: [{ pointer: '/extra', message: 'unknown key "extra"' }],
    });
  });
});
