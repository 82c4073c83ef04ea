import type { WeightMap } from './schema.js';

/**
 * Turns a metric value into a weight percentage, declaratively (no expression language):
 *
 * - no map: the metric is the weight (`40` → 40%);
 * - `linear: {from: [x0, x1], to: [w0, w1]}`: the straight line through (x0, w0) and (x1, w1)
 *   between x0 and x1, held at w0 / w1 beyond them (herald's `pct: N` with its minimum of 1 is
 *   `from: [0, N], to: [100, 1]`);
 * - `thresholds: [{below: N, weight: W}, …, {weight: W}]`: the first row whose `below` the
 *   metric is under; the last row (no `below`) otherwise.
 *
 * The result is clamped to 0-100 and rounded down to an integer (herald truncated with `int()`
 * too, so `from: [0, 7000], to: [100, 1]` gives herald's answers to within one point).
 */
export function mapWeight(value: number, map: WeightMap | undefined): number {
  return clampWeight(rawWeight(value, map));
}

/** Clamps to 0-100 and rounds down; a tiny tolerance keeps 28.999999999999996 at 29. */
export function clampWeight(weight: number): number {
  if (Number.isNaN(weight)) return 0;
  const bounded = Math.min(100, Math.max(0, weight));
  return Math.min(100, Math.floor(bounded + 1e-9));
}

function rawWeight(value: number, map: WeightMap | undefined): number {
  if (map?.linear !== undefined) {
    const [x0, x1] = map.linear.from;
    const [w0, w1] = map.linear.to;
    if (x0 === x1) return value < x0 ? w0 : w1; // refused by the config rules; never divide by 0
    const t = Math.min(1, Math.max(0, (value - x0) / (x1 - x0)));
    return w0 + t * (w1 - w0);
  }
  if (map?.thresholds !== undefined) {
    const rows = map.thresholds;
    const match = rows.find((row) => row.below === undefined || value < row.below);
    return match?.weight ?? rows.at(-1)?.weight ?? 100;
  }
  return value;
}
