import { describe, expect, it } from 'vitest';
import type { WeightMap } from '../src/schema.js';
import { clampWeight, mapWeight } from '../src/weight.js';

/** Herald's `pct: 7000` (its default `min_threshold_response` 1), the lighthouse way. */
const heraldPct7000: WeightMap = { linear: { from: [0, 7000], to: [100, 1] } };

describe('mapWeight without a map: the metric is the weight', () => {
  it.each([
    [40, 40],
    [40.5, 40],
    [0, 0],
    [100, 100],
    [150, 100],
    [-5, 0],
    [99.9999, 99],
  ])('%s → %s%%', (value, weight) => {
    expect(mapWeight(value, undefined)).toBe(weight);
  });
});

describe('mapWeight linear', () => {
  // Herald's worked examples (hacheck-herald.md §3.4). Herald computed int(100 − v/70) and
  // answered `1%` at and beyond the capacity; the line through (0, 100) and (7000, 1), rounded
  // down, agrees except where noted.
  it.each([
    [0, 100],
    [1, 99],
    [700, 90],
    [3500, 50],
    [6930, 1],
    [6999, 1],
    [7000, 1],
    [7001, 1],
    [14000, 1],
    [-1, 100],
  ])('herald pct 7000: %s → %s%% (as herald)', (value, weight) => {
    expect(mapWeight(value, heraldPct7000)).toBe(weight);
  });

  it('differs from herald by at most a point inside the line, and never goes silent', () => {
    // herald: 3500.7 → 49% (its slope is 100/7000, this one 99/7000); −7000 → '' (no answer).
    expect(mapWeight(3500.7, heraldPct7000)).toBe(50);
    expect(mapWeight(-7000, heraldPct7000)).toBe(100);
  });

  it('herald pct 100 with min 0: 150 → 0%', () => {
    expect(mapWeight(150, { linear: { from: [0, 100], to: [100, 0] } })).toBe(0);
  });

  it('rises as well as falls, and holds the end weights outside the two points', () => {
    const rising: WeightMap = { linear: { from: [10, 20], to: [20, 80] } };
    expect(mapWeight(5, rising)).toBe(20);
    expect(mapWeight(10, rising)).toBe(20);
    expect(mapWeight(15, rising)).toBe(50);
    expect(mapWeight(20, rising)).toBe(80);
    expect(mapWeight(1e6, rising)).toBe(80);
  });

  it('accepts the points in either order', () => {
    const reversed: WeightMap = { linear: { from: [7000, 0], to: [1, 100] } };
    for (const value of [0, 700, 3500, 6930, 9000]) {
      expect(mapWeight(value, reversed)).toBe(mapWeight(value, heraldPct7000));
    }
  });
});

describe('mapWeight thresholds', () => {
  const map: WeightMap = {
    thresholds: [
      { below: 100, weight: 100 },
      { below: 500, weight: 50 },
      { below: 1000, weight: 10 },
      { weight: 0 },
    ],
  };
  it.each([
    [-5, 100],
    [0, 100],
    [99.99, 100],
    [100, 50], // strictly below: 100 is not below 100
    [499, 50],
    [500, 10],
    [999, 10],
    [1000, 0],
    [1e12, 0],
  ])('%s → %s%%', (value, weight) => {
    expect(mapWeight(value, map)).toBe(weight);
  });

  it('a single default row is a constant weight', () => {
    expect(mapWeight(12345, { thresholds: [{ weight: 60 }] })).toBe(60);
  });
});

describe('clampWeight', () => {
  it.each([
    [-0.5, 0],
    [0, 0],
    [0.29 * 100, 29], // 28.999999999999996 in floating point
    [50.5, 50],
    [100, 100],
    [100.7, 100],
    [Infinity, 100],
    [-Infinity, 0],
    [Number.NaN, 0],
  ])('%s → %s', (value, weight) => {
    expect(clampWeight(value)).toBe(weight);
  });
});
