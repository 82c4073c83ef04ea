import { getEventListeners } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import type { Check } from '../../src/contracts/check.js';
import { runCheck } from '../../src/engine/run-check.js';

const never = new AbortController().signal;

describe('runCheck', () => {
  it('normalises booleans and results', async () => {
    expect(await runCheck({ perform: async () => true }, 1000, never)).toEqual({ ok: true });
    expect(
      await runCheck({ perform: async () => ({ ok: false, reason: 'HTTP 503' }) }, 1000, never),
    ).toEqual({ ok: false, reason: 'HTTP 503' });
  });

  it('turns rejections and synchronous throws into failures with the message', async () => {
    expect(
      await runCheck(
        { perform: async () => Promise.reject(new Error('ECONNREFUSED')) },
        1000,
        never,
      ),
    ).toEqual({ ok: false, reason: 'ECONNREFUSED' });
    expect(
      await runCheck(
        {
          perform: () => {
            throw new Error('boom');
          },
        },
        1000,
        never,
      ),
    ).toEqual({ ok: false, reason: 'boom' });
  });

  it('settles at the deadline even if the check ignores its signal, and aborts the signal', async () => {
    let seen: AbortSignal | undefined;
    const started = Date.now();
    const outcome = await runCheck(
      {
        perform: (signal) => {
          seen = signal;
          return new Promise(() => undefined);
        },
      },
      50,
      never,
    );
    expect(outcome).toEqual({ ok: false, reason: 'timed out after 50 ms' });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(seen?.aborted).toBe(true);
  });

  it('aborts the check when the monitor stops', async () => {
    const stop = new AbortController();
    let aborted = false;
    const outcome = runCheck(
      {
        perform: (signal) =>
          new Promise((resolve) =>
            signal.addEventListener('abort', () => {
              aborted = true;
              resolve(false);
            }),
          ),
      },
      10_000,
      stop.signal,
    );
    stop.abort();
    expect(await outcome).toEqual({ ok: false, reason: 'stopped' });
    expect(aborted).toBe(true);
  });
});

describe('runCheck leaves nothing behind', () => {
  it('removes its abort listener from the stop signal after every run, however it ended', async () => {
    const stop = new AbortController();
    const checks: Check[] = [
      { perform: async () => true },
      { perform: async () => ({ ok: false, reason: 'HTTP 503' }) },
      { perform: async () => Promise.reject(new Error('ECONNREFUSED')) },
      {
        perform: () => {
          throw new Error('boom');
        },
      },
      { perform: () => new Promise<boolean>(() => undefined) }, // cut off at the deadline
    ];
    for (let round = 0; round < 20; round += 1)
      for (const check of checks) await runCheck(check, 5, stop.signal);
    expect(getEventListeners(stop.signal, 'abort')).toHaveLength(0);
  });

  it('clears its deadline timer once the check answered', async () => {
    vi.useFakeTimers();
    try {
      const outcome = runCheck({ perform: async () => true }, 10_000, never);
      await vi.advanceTimersByTimeAsync(0);
      expect(await outcome).toEqual({ ok: true });
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('hands a stopped run an aborted signal and says stopped, whatever the check answers', async () => {
    const stop = new AbortController();
    stop.abort();
    let seen: AbortSignal | undefined;
    const outcome = await runCheck(
      {
        perform: async (signal) => {
          seen = signal;
          return true;
        },
      },
      1_000,
      stop.signal,
    );
    expect(outcome).toEqual({ ok: false, reason: 'stopped' });
    expect(seen?.aborted).toBe(true);
  });
});
