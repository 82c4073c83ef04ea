import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PassLoop } from '../../src/async/pass-loop.js';
import type { PassLoopOptions } from '../../src/async/pass-loop.js';
import { tick, track } from '../helpers/promise-state.js';
import { Passes } from './scripted-passes.js';

describe('PassLoop', () => {
  let passes: Passes;
  let loop: PassLoop | undefined;
  let retries: { error: unknown; retryMs: number }[];

  beforeEach(() => {
    vi.useFakeTimers();
    // No jitter: every back-off delay is exactly its base (0.8 + 0.5 × 0.4 = 1).
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    passes = new Passes();
    retries = [];
  });
  afterEach(async () => {
    passes.releaseAll();
    await loop?.stop();
    loop = undefined;
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  function start(options: Partial<PassLoopOptions> = {}): PassLoop {
    loop = new PassLoop({
      pass: passes.pass,
      onFailure: (error, retryMs) => retries.push({ error, retryMs }),
      ...options,
    });
    return loop;
  }

  /** A loop with a pass requested now. */
  function requested(options: Partial<PassLoopOptions> = {}): PassLoop {
    const l = start(options);
    l.request();
    return l;
  }

  /** A loop whose first pass, requested now, has started and waits for `passes.release()`. */
  async function running(options: Partial<PassLoopOptions> = {}): Promise<PassLoop> {
    passes.manual = true;
    const l = requested(options);
    await tick();
    return l;
  }

  describe('running passes', () => {
    it('without a wait window, runs one pass as soon as the current task ends', async () => {
      requested();
      expect(passes.count).toBe(0);
      await Promise.resolve(); // no timer needed
      expect(passes.count).toBe(1);
      await tick(10_000);
      expect(passes.count).toBe(1);
    });

    it('does nothing until asked, and turns requests made in one go into one pass', async () => {
      const l = start();
      await tick(10_000);
      expect(passes.count).toBe(0);
      for (let i = 0; i < 5; i++) l.request();
      await tick(1_000);
      expect(passes.count).toBe(1);
    });

    it('never overlaps passes, and runs exactly one more for any number of requests meanwhile', async () => {
      const l = await running();
      expect(passes.count).toBe(1);
      for (let i = 0; i < 3; i++) l.request();
      await tick(1_000);
      expect(passes.count).toBe(1);
      passes.release();
      await tick();
      expect(passes.count).toBe(2);
      passes.release();
      await tick(1_000);
      expect(passes.count).toBe(2);
      expect(passes.maxActive).toBe(1);
    });

    it('runs no further pass when nothing was requested during one', async () => {
      const l = await running();
      passes.release();
      await tick(1_000);
      expect(passes.count).toBe(1);
      expect(l.busy).toBe(false);
    });

    it('gathers requests within the wait window', async () => {
      const l = requested({ wait: { minMs: 50, maxMs: 200 } });
      await tick(30);
      l.request();
      await tick(30);
      l.request();
      await tick(49);
      expect(passes.count).toBe(0);
      await tick(1);
      expect(passes.started).toEqual([110]);
    });

    it('lets a steady stream of requests through at most maxMs apart', async () => {
      const l = start({ wait: { minMs: 50, maxMs: 200 } });
      for (let i = 0; i < 25; i++) {
        l.request();
        await tick(20);
      }
      await tick(1_000);
      // Requests every 20 ms from 0 to 480: windows capped at 200 and 400, the last one quiet.
      expect(passes.started).toEqual([200, 400, 530]);
    });

    it('waits for the window again before the pass asked for during a pass', async () => {
      passes.manual = true;
      const l = requested({ wait: { minMs: 50, maxMs: 200 } });
      await tick(50);
      l.request();
      await tick(100);
      passes.release(); // at 150: the follow-up pass is requested now and waits minMs
      await tick(49);
      expect(passes.count).toBe(1);
      await tick(1);
      expect(passes.started).toEqual([50, 200]);
      passes.release();
    });
  });

  describe('failures', () => {
    it('reports a failed pass with its retry delay and retries after it', async () => {
      passes.failures.push(new Error('backend down'));
      requested();
      await tick();
      expect(retries).toEqual([{ error: new Error('backend down'), retryMs: 250 }]);
      await tick(249);
      expect(passes.count).toBe(1);
      await tick(1);
      expect(passes.started).toEqual([0, 250]);
      await tick(10_000);
      expect(passes.count).toBe(2);
      expect(retries).toHaveLength(1);
    });

    it('doubles the back-off up to its cap, and starts over after a success', async () => {
      const error = new Error('down');
      passes.failures.push(error, error, error, error, error);
      const l = requested({ backoff: { initialMs: 100, maxMs: 400 } });
      await tick(100 + 200 + 400 + 400 + 400);
      expect(retries.map(({ retryMs }) => retryMs)).toEqual([100, 200, 400, 400, 400]);
      expect(passes.started).toEqual([0, 100, 300, 700, 1100, 1500]);
      passes.failures.push(error);
      l.request();
      await tick();
      expect(retries.at(-1)?.retryMs).toBe(100);
    });

    it('jitters the back-off by at most ±20 %', async () => {
      const error = new Error('down');
      passes.failures.push(error, error);
      vi.mocked(Math.random).mockReturnValue(0);
      requested({ backoff: { initialMs: 1_000, maxMs: 10_000 } });
      await tick();
      vi.mocked(Math.random).mockReturnValue(0.999999);
      await tick(800);
      expect(retries.map(({ retryMs }) => retryMs)).toEqual([800, 2_400]);
    });

    it('defaults to a 250 ms back-off capped at 5 s', async () => {
      const error = new Error('down');
      for (let i = 0; i < 8; i++) passes.failures.push(error);
      requested();
      await tick(60_000);
      expect(retries.map(({ retryMs }) => retryMs)).toEqual([
        250, 500, 1_000, 2_000, 4_000, 5_000, 5_000, 5_000,
      ]);
    });

    it('lets a request during the back-off wait for it, and the retry cover it', async () => {
      passes.failures.push(new Error('down'));
      const l = requested();
      await tick(100);
      l.request();
      l.request();
      await tick(149);
      expect(passes.count).toBe(1);
      await tick(1);
      await tick(10_000);
      expect(passes.started).toEqual([0, 250]);
    });

    it('covers requests made during a failing pass by the retry alone', async () => {
      passes.failures.push(new Error('down'));
      const l = await running();
      l.request();
      passes.release();
      await tick();
      expect(passes.count).toBe(1); // no immediate follow-up: the back-off applies
      await tick(250);
      passes.release();
      await tick(10_000);
      expect(passes.started).toEqual([0, 250]);
    });

    it('retryNow() cuts a pending back-off short', async () => {
      passes.failures.push(new Error('down'), new Error('down'));
      const l = requested({ backoff: { initialMs: 1_000, maxMs: 5_000 } });
      await tick(10);
      l.retryNow();
      await tick();
      expect(passes.started).toEqual([0, 10]);
      // The back-off kept growing: the failed retry waits 2 s, not 1 s.
      expect(retries.map(({ retryMs }) => retryMs)).toEqual([1_000, 2_000]);
      await tick(1_999);
      expect(passes.count).toBe(2);
      await tick(1);
      expect(passes.count).toBe(3);
    });

    it('retryNow() during a pass that then fails retries at once, without back-off', async () => {
      passes.failures.push(new Error('session expired'));
      const l = await running({ backoff: { initialMs: 1_000, maxMs: 5_000 } });
      l.retryNow(); // reconnected while the pass was failing
      passes.release();
      await tick();
      expect(retries).toEqual([{ error: new Error('session expired'), retryMs: 0 }]);
      expect(passes.count).toBe(2);
      passes.release();
      await tick(10_000);
      expect(passes.count).toBe(2);
      expect(l.busy).toBe(false);
    });

    it('retries a pass that throws synchronously like one that rejects', async () => {
      let calls = 0;
      const l = start({
        pass: () => {
          calls++;
          if (calls === 1) throw new Error('thrown before any promise');
          return Promise.resolve();
        },
      });
      const settled = track(l.settled());
      l.request();
      await tick();
      expect(retries).toEqual([{ error: new Error('thrown before any promise'), retryMs: 250 }]);
      await tick(250);
      expect(calls).toBe(2);
      expect(settled.status).toBe('resolved');
    });

    it('retryNow() without a back-off is a plain request', async () => {
      passes.manual = true;
      const l = start();
      l.retryNow();
      await tick();
      expect(passes.count).toBe(1);
      l.retryNow();
      await tick(100);
      expect(passes.count).toBe(1);
      passes.release();
      await tick();
      expect(passes.count).toBe(2);
      passes.release();
    });
  });

  describe('settled()', () => {
    it('resolves after the next pass has succeeded', async () => {
      passes.manual = true;
      const l = start();
      const settled = track(l.settled());
      l.request();
      await tick();
      expect(settled.status).toBe('pending');
      passes.release();
      await tick();
      expect(settled.status).toBe('resolved');
    });

    it('is not resolved by the pass running at the call, only by one starting after it', async () => {
      const l = await running();
      const settled = track(l.settled());
      passes.release();
      await tick(1_000);
      expect(settled.status).toBe('pending');
      l.request();
      await tick();
      passes.release();
      await tick();
      expect(settled.status).toBe('resolved');
    });

    it('waits through failed passes until one succeeds', async () => {
      passes.failures.push(new Error('one'), new Error('two'));
      const l = start();
      const settled = track(l.settled());
      l.request();
      await tick(250);
      expect(passes.count).toBe(2);
      expect(settled.status).toBe('pending');
      await tick(500);
      expect(passes.count).toBe(3);
      expect(settled.status).toBe('resolved');
    });

    it('does not ask for a pass by itself', async () => {
      const l = start();
      const settled = track(l.settled());
      await tick(10_000);
      expect(passes.count).toBe(0);
      expect(settled.status).toBe('pending');
    });

    it('resolves every waiter of the same pass', async () => {
      const l = start();
      const all = [track(l.settled()), track(l.settled()), track(l.nextPass())];
      l.request();
      await tick();
      expect(all.map(({ status }) => status)).toEqual(['resolved', 'resolved', 'resolved']);
    });
  });

  describe('nextPass()', () => {
    it('rejects with the error of a failed pass, and is not carried over to the retry', async () => {
      const error = new Error('backend down');
      passes.failures.push(error);
      const l = start();
      const next = track(l.nextPass());
      const settled = track(l.settled());
      l.request();
      await tick();
      expect(next).toEqual({ status: 'rejected', error });
      expect(settled.status).toBe('pending');
      await tick(250);
      expect(settled.status).toBe('resolved');
    });

    it('called during a pass, settles like the pass after it', async () => {
      const l = await running();
      const next = track(l.nextPass());
      passes.release(); // the running pass succeeds…
      await tick();
      expect(next.status).toBe('pending');
      passes.failures.push(new Error('second fails')); // …and the next one fails
      l.request();
      await tick();
      passes.release();
      await tick();
      expect(next).toEqual({ status: 'rejected', error: new Error('second fails') });
    });
  });

  it('says when it is busy: waiting to start, running, or waiting to retry', async () => {
    passes.manual = true;
    passes.failures.push(new Error('down'));
    const l = start();
    expect(l.busy).toBe(false);
    l.request();
    expect(l.busy).toBe(true); // waiting to start
    await tick();
    expect(l.busy).toBe(true); // running
    passes.release();
    await tick();
    expect(passes.count).toBe(1);
    expect(l.busy).toBe(true); // waiting to retry
    await tick(250);
    expect(l.busy).toBe(true); // running the retry
    passes.release();
    await tick();
    expect(l.busy).toBe(false);
  });

  describe('stop()', () => {
    it('resolves at once when idle, and ignores later requests', async () => {
      const l = start();
      await l.stop();
      l.request();
      l.retryNow();
      expect(l.busy).toBe(false);
      await tick(10_000);
      expect(passes.count).toBe(0);
    });

    it('waits for the running pass, and runs none after it even if one was requested', async () => {
      const l = await running();
      l.request();
      const stopped = track(l.stop());
      await tick(1_000);
      expect(stopped.status).toBe('pending');
      passes.release();
      await tick();
      expect(stopped.status).toBe('resolved');
      await tick(10_000);
      expect(passes.count).toBe(1);
      expect(l.busy).toBe(false);
    });

    it('drops a pass waiting in its window', async () => {
      const l = requested({ wait: { minMs: 50, maxMs: 100 } });
      await l.stop();
      await tick(1_000);
      expect(passes.count).toBe(0);
    });

    it('cancels a pending retry and rejects settled(): no pass will come', async () => {
      passes.failures.push(new Error('down'));
      const l = start();
      const settled = track(l.settled());
      l.request();
      await tick();
      expect(l.busy).toBe(true);
      await l.stop();
      expect(l.busy).toBe(false);
      await tick(60_000);
      expect(passes.count).toBe(1);
      expect(settled.status).toBe('rejected');
      expect(String(settled.error)).toMatch(/stopped/);
    });

    it('schedules no retry when the pass it waited for fails', async () => {
      passes.failures.push(new Error('down'));
      const l = await running();
      const next = track(l.nextPass());
      const stopped = l.stop();
      passes.release();
      await stopped;
      await tick(60_000);
      expect(passes.count).toBe(1);
      expect(retries).toEqual([]);
      // Taken by no pass (there is none after stop()), so it must not hang its caller.
      expect(next.status).toBe('rejected');
      expect(String(next.error)).toMatch(/stopped/);
    });
  });
});
