import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDuration, MAX_DURATION_MS, parseDuration } from '../../src/maintenance/duration.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('parseDuration', () => {
  it.each([
    ['30s', 30 * S],
    ['10m', 10 * M],
    ['2h', 2 * H],
    ['1d', D],
    ['1h30m', H + 30 * M],
    ['1d12h', D + 12 * H],
    ['90s', 90 * S],
    ['1m30s', 90 * S],
    ['250ms', 250],
    ['1s500ms', 1500],
    ['1d2h3m4s5ms', D + 2 * H + 3 * M + 4 * S + 5],
    ['0h5m', 5 * M],
    ['05m', 5 * M],
    ['1ms', 1],
    ['366d', MAX_DURATION_MS],
    ['8784h', MAX_DURATION_MS],
  ])('reads %j as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([
    '',
    '10',
    '-5m',
    '+5m',
    '1.5h',
    '1h1h',
    '30m1h',
    '1s1m',
    '5x',
    'h',
    'm5',
    ' 5m',
    '5m ',
    '5 m',
    '1h 30m',
    '\t5m',
    '5m\n',
    '5M',
    '5H',
    '1e3s',
    '1e309s',
    'Infinitys',
    'NaNs',
    '0s',
    '0ms',
    '0d0h0m0s',
    '366d1ms',
    '367d',
    '99999999999999999999d',
    '١٢s', // non-ASCII digits
    '5m0',
    '5mm',
    '5ss',
    '5msm',
    '0x10s',
    `${'1'.repeat(10_000)}s`,
    '9'.repeat(10_000),
    'x'.repeat(10_240),
  ])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it('refuses a value that is not a string at all (called from JavaScript)', () => {
    expect(parseDuration(300 as unknown as string)).toBeUndefined();
    expect(parseDuration(undefined as unknown as string)).toBeUndefined();
  });

  it('never returns anything but a positive integer within the limit, whatever the input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (text) => {
        const ms = parseDuration(text);
        if (ms === undefined) return;
        expect(Number.isInteger(ms)).toBe(true);
        expect(ms).toBeGreaterThan(0);
        expect(ms).toBeLessThanOrEqual(MAX_DURATION_MS);
      }),
    );
  });

  it('never returns anything but a positive integer for strings over its own alphabet', () => {
    const alphabet = fc.constantFrom(...'0123456789dhms.-+ e'.split(''));
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 24 }), (chars) => {
        const ms = parseDuration(chars.join(''));
        if (ms !== undefined) {
          expect(Number.isInteger(ms) && ms > 0 && ms <= MAX_DURATION_MS).toBe(true);
        }
      }),
    );
  });
});

describe('formatDuration', () => {
  it.each([
    [5_400_000, '1h30m'],
    [45_000, '45s'],
    [90_000, '1m30s'],
    [D, '1d'],
    [D + H + M + S, '1d1h1m1s'],
    [MAX_DURATION_MS, '366d'],
    [3 * D + 5 * S, '3d5s'],
    [1999, '1s'],
    [59_999, '59s'],
    [999, '0s'],
    [0, '0s'],
    [-5000, '0s'],
    [Number.NaN, '0s'],
    [Number.POSITIVE_INFINITY, '0s'],
  ])('shows %d ms as %j (rounding down to seconds)', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('round-trips every whole-second duration within the limit', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: MAX_DURATION_MS / S }), (seconds) => {
        expect(parseDuration(formatDuration(seconds * S))).toBe(seconds * S);
      }),
    );
  });

  it('formats any valid duration to text that parses back to it rounded down to seconds', () => {
    fc.assert(
      fc.property(fc.integer({ min: S, max: MAX_DURATION_MS }), (ms) => {
        expect(parseDuration(formatDuration(ms))).toBe(Math.floor(ms / S) * S);
      }),
    );
  });
});
