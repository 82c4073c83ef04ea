import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CoalescingTimer } from '../../src/async/coalescing-timer.js';
import type { CoalescingWindow } from '../../src/async/coalescing-timer.js';

// vitest's fake timers fake `performance` too (the default `toFake` list), so the timer's clock
// and its setTimeout move together and every instant below is exact.
describe('CoalescingTimer', () => {
  /** Each call of `fire`: the fake clock at the call and the `overdue` argument. */
  let fired: { at: number; overdue: boolean }[];
  let start: number;
  const elapsed = () => performance.now() - start;

  beforeEach(() => {
    vi.useFakeTimers();
    start = performance.now();
    fired = [];
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function timer(
    window: CoalescingWindow,
    answer: (overdue: boolean) => boolean | void = () => {},
  ) {
    return new CoalescingTimer(window, (overdue) => {
      fired.push({ at: elapsed(), overdue });
      return answer(overdue);
    });
  }

  it('really runs on a faked performance clock (the premise of these tests)', () => {
    vi.advanceTimersByTime(1234);
    expect(elapsed()).toBe(1234);
  });

  it('fires minMs after a single touch, not overdue', () => {
    const t = timer({ minMs: 50, maxMs: 500 });
    t.touch();
    vi.advanceTimersByTime(49);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual([{ at: 50, overdue: false }]);
    vi.advanceTimersByTime(1_000);
    expect(fired).toHaveLength(1);
  });

  it('does nothing without a touch', () => {
    const t = timer({ minMs: 10, maxMs: 20 });
    vi.advanceTimersByTime(1_000);
    expect(fired).toEqual([]);
    expect(t.pending).toBe(false);
  });

  it('re-arms on every touch and fires once, minMs after the last one', () => {
    const t = timer({ minMs: 50, maxMs: 1_000 });
    for (let i = 0; i < 5; i++) {
      t.touch();
      vi.advanceTimersByTime(40);
    }
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(9);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual([{ at: 210, overdue: false }]);
  });

  it('lets a steady stream through at most maxMs after the first touch, overdue', () => {
    const t = timer({ minMs: 50, maxMs: 200 });
    for (let i = 0; i < 30; i++) {
      t.touch();
      vi.advanceTimersByTime(10);
    }
    vi.advanceTimersByTime(100);
    // Touches at 0…290 every 10 ms: windows opened at 0 and 200 (the first touch after a fire).
    expect(fired).toEqual([
      { at: 200, overdue: true },
      { at: 290 + 50, overdue: false },
    ]);
  });

  it('caps a window exactly at maxMs even when the last touch comes just before it', () => {
    const t = timer({ minMs: 100, maxMs: 150 });
    t.touch();
    vi.advanceTimersByTime(90);
    t.touch(); // minMs would say 190; the window says 150
    vi.advanceTimersByTime(59);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual([{ at: 150, overdue: true }]);
  });

  it('starts a fresh window after firing: the next maxMs counts from the next first touch', () => {
    const t = timer({ minMs: 30, maxMs: 100 });
    t.touch();
    vi.advanceTimersByTime(30);
    expect(fired).toEqual([{ at: 30, overdue: false }]);
    vi.advanceTimersByTime(500);
    t.touch();
    vi.advanceTimersByTime(30);
    expect(fired).toEqual([
      { at: 30, overdue: false },
      { at: 560, overdue: false },
    ]);
  });

  it('with minMs equal to maxMs fires maxMs after the first touch', () => {
    const t = timer({ minMs: 20, maxMs: 20 });
    t.touch();
    vi.advanceTimersByTime(15);
    t.touch();
    vi.advanceTimersByTime(5);
    expect(fired).toEqual([{ at: 20, overdue: true }]);
  });

  it('with a zero window fires on the next timer turn, not synchronously', () => {
    const t = timer({ minMs: 0, maxMs: 0 });
    t.touch();
    t.touch();
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(0);
    expect(fired).toHaveLength(1);
  });

  it('says whether a call is pending', () => {
    const t = timer({ minMs: 10, maxMs: 100 });
    expect(t.pending).toBe(false);
    t.touch();
    expect(t.pending).toBe(true);
    vi.advanceTimersByTime(10);
    expect(t.pending).toBe(false);
    expect(fired).toHaveLength(1);
  });

  it('is not pending any more while fire runs, and a touch from fire opens a new window', () => {
    const seen: boolean[] = [];
    let again = true;
    const t: CoalescingTimer = timer({ minMs: 10, maxMs: 40 }, () => {
      seen.push(t.pending);
      if (again) t.touch();
      again = false;
    });
    t.touch();
    vi.advanceTimersByTime(10);
    expect(seen).toEqual([false]);
    expect(t.pending).toBe(true);
    vi.advanceTimersByTime(10);
    expect(fired).toEqual([
      { at: 10, overdue: false },
      { at: 20, overdue: false },
    ]);
  });

  describe('when fire says "not yet" (returns false)', () => {
    it('does not fire again by itself', () => {
      const t = timer({ minMs: 10, maxMs: 100 }, () => false);
      t.touch();
      vi.advanceTimersByTime(1_000);
      expect(fired).toEqual([{ at: 10, overdue: false }]);
      expect(t.pending).toBe(false);
    });

    it('keeps the window open: its age keeps counting toward maxMs', () => {
      const answers = [false, false, true];
      const t = timer({ minMs: 50, maxMs: 200 }, () => answers.shift());
      t.touch(); // window opens at 0
      vi.advanceTimersByTime(50); // not yet
      vi.advanceTimersByTime(50);
      t.touch(); // at 100: min(50, 200 - 100) → 150
      vi.advanceTimersByTime(50); // not yet
      vi.advanceTimersByTime(30);
      t.touch(); // at 180: only 20 ms left in the window
      vi.advanceTimersByTime(20);
      expect(fired).toEqual([
        { at: 50, overdue: false },
        { at: 150, overdue: false },
        { at: 200, overdue: true },
      ]);
    });

    it('fires at once, overdue, when touched after the window has run out', () => {
      const answers = [false, true];
      const t = timer({ minMs: 50, maxMs: 100 }, () => answers.shift());
      t.touch();
      vi.advanceTimersByTime(300);
      t.touch();
      vi.advanceTimersByTime(0);
      expect(fired).toEqual([
        { at: 50, overdue: false },
        { at: 300, overdue: true },
      ]);
    });

    it('closes the window once fire accepts, so the next touch starts a fresh one', () => {
      const answers = [false, true];
      const t = timer({ minMs: 50, maxMs: 100 }, () => answers.shift());
      t.touch();
      vi.advanceTimersByTime(60);
      t.touch(); // still in the window opened at 0: fires at 100
      vi.advanceTimersByTime(40);
      vi.advanceTimersByTime(400);
      t.touch();
      vi.advanceTimersByTime(50);
      expect(fired).toEqual([
        { at: 50, overdue: false },
        { at: 100, overdue: true },
        { at: 550, overdue: false },
      ]);
    });

    it('forgets the kept window on cancel', () => {
      const answers = [false, true];
      const t = timer({ minMs: 50, maxMs: 100 }, () => answers.shift());
      t.touch();
      vi.advanceTimersByTime(300);
      t.cancel();
      t.touch();
      vi.advanceTimersByTime(49);
      expect(fired).toHaveLength(1);
      vi.advanceTimersByTime(1);
      expect(fired).toEqual([
        { at: 50, overdue: false },
        { at: 350, overdue: false },
      ]);
    });
  });

  it('cancel drops the pending call and closes the window', () => {
    const t = timer({ minMs: 50, maxMs: 100 });
    t.touch();
    vi.advanceTimersByTime(40);
    t.touch();
    vi.advanceTimersByTime(40);
    t.cancel();
    expect(t.pending).toBe(false);
    vi.advanceTimersByTime(500);
    expect(fired).toEqual([]);
    t.touch(); // a new window: a full minMs, not what was left of the old maxMs
    vi.advanceTimersByTime(49);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual([{ at: 630, overdue: false }]);
  });

  it('close cancels and ignores every later touch', () => {
    const t = timer({ minMs: 10, maxMs: 20 });
    t.touch();
    t.close();
    expect(t.pending).toBe(false);
    t.touch();
    expect(t.pending).toBe(false);
    vi.advanceTimersByTime(1_000);
    expect(fired).toEqual([]);
  });

  it('keeps independent timers independent', () => {
    const a = timer({ minMs: 10, maxMs: 100 });
    const b = timer({ minMs: 30, maxMs: 100 });
    a.touch();
    b.touch();
    vi.advanceTimersByTime(10);
    expect(a.pending).toBe(false);
    expect(b.pending).toBe(true);
    vi.advanceTimersByTime(20);
    expect(fired.map(({ at }) => at)).toEqual([10, 30]);
  });

  it('with minMs 0, fires on the next turn of the event loop, once for the touches of this one', async () => {
    vi.useRealTimers();
    const calls: string[] = [];
    const t = new CoalescingTimer({ minMs: 0, maxMs: 20 }, () => void calls.push('fired'));
    t.touch();
    t.touch();
    t.touch();
    expect(t.pending).toBe(true);
    // Queued after the touches, this immediate runs after the call: no timer tick is waited for.
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(calls).toEqual(['fired']);
    expect(t.pending).toBe(false);
    t.touch();
    t.cancel();
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(calls).toEqual(['fired']);
  });
});
