import { describe, expect, it } from 'vitest';
import { ROUND_SLOT_MS, slotDelay } from '../../src/engine/port-monitor.js';

describe('slotDelay', () => {
  it('moves a round to the nearest slot line, at most half a slot off', () => {
    const now = 1_000_003; // 3 ms past a line
    // From half a slot on, the nearest line is never in the past (see the last test for that).
    for (let delay = ROUND_SLOT_MS / 2; delay < 3 * ROUND_SLOT_MS; delay++) {
      const at = now + slotDelay(delay, now);
      expect(at % ROUND_SLOT_MS).toBe(0);
      expect(Math.abs(at - (now + delay))).toBeLessThanOrEqual(ROUND_SLOT_MS / 2);
    }
  });

  it('gives rounds due within one slot the same start, so they share one wake-up', () => {
    const now = 5_000_000;
    const half = ROUND_SLOT_MS / 2;
    const starts = new Set(
      [1_000 - half + 1, 1_000 - 1, 1_000, 1_000 + 1, 1_000 + half - 1].map(
        (delay) => now + slotDelay(delay, now),
      ),
    );
    expect([...starts]).toEqual([now + 1_000]);
  });

  it('keeps the interval: a round started a little late is not pushed a slot later', () => {
    // Rounds on the line at 1,000,000, started 4 ms late, due one interval after they started.
    const lastStart = 1_000_004;
    const now = lastStart + 30; // the round took 30 ms
    expect(now + slotDelay(lastStart + 1_000 - now, now)).toBe(1_001_000);
    expect(1_000_000 % ROUND_SLOT_MS).toBe(0);
  });

  it('never schedules in the past', () => {
    const line = 1_000_000;
    // Just before a line: wait for it. Just past one: the nearest line is behind, start now.
    expect(slotDelay(0, line - 1)).toBe(1);
    expect(slotDelay(0, line + 1)).toBe(0);
    expect(slotDelay(-ROUND_SLOT_MS * 3, line)).toBe(0);
  });
});
