import { describe, expect, it } from 'vitest';
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
