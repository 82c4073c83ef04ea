import { describe, expect, it } from 'vitest';
import { pythonJsonDumps } from '../../src/model/python-json.js';

describe('pythonJsonDumps (json.dumps(v, sort_keys=True))', () => {
  it.each([
    [{ b: 1, a: [true, null, 'x'] }, '{"a": [true, null, "x"], "b": 1}'],
    [{}, '{}'],
    ['tab\there "quoted" \\ back', '"tab\\there \\"quoted\\" \\\\ back"'],
    ['é€😀', '"\\u00e9\\u20ac\\ud83d\\ude00"'],
    ['\u0001\u007f', '"\\u0001\\u007f"'],
    [{ nested: { z: 1, y: { x: 2 } } }, '{"nested": {"y": {"x": 2}, "z": 1}}'],
  ])('encodes %j as Python does', (value, expected) => {
    expect(pythonJsonDumps(value)).toBe(expected);
  });

  it('refuses values JSON cannot hold', () => {
    expect(() => pythonJsonDumps(Number.NaN)).toThrow(/NaN/);
    expect(() => pythonJsonDumps(() => 1)).toThrow(/function/);
  });
});
