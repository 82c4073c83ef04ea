import { describe, expect, it } from 'vitest';
import { classifiedCheck, runCheck } from '../../src/engine/run-check.js';
import type { Check } from '../../src/contracts/check.js';
import type { CheckOutcome, CheckResult } from '../../src/engine/run-check.js';

/** How a check run ended, as the reporter's metrics count it. */

const never = new AbortController().signal;

type Case = [what: string, perform: Check['perform'], CheckResult, CheckOutcome];

describe('classifiedCheck', () => {
  it.each<Case>([
    ['a true', async () => true, 'pass', { ok: true }],
    ['a false', async () => false, 'fail', { ok: false }],
    ['{ ok: true }', async () => ({ ok: true }), 'pass', { ok: true }],
    [
      '{ ok: false, reason }',
      async () => ({ ok: false, reason: 'HTTP 503' }),
      'fail',
      { ok: false, reason: 'HTTP 503' },
    ],
    [
      'a rejection',
      async () => Promise.reject(new Error('ECONNREFUSED')),
      'error',
      { ok: false, reason: 'ECONNREFUSED' },
    ],
    [
      'nonsense',
      async () => 42 as unknown as boolean,
      'error',
      { ok: false, reason: 'the check answered neither a boolean nor { ok, reason }' },
    ],
  ])('tells %s apart', async (_what, perform, result, outcome) => {
    const check: Check = { perform };
    expect(await classifiedCheck(check, 1_000, never)).toEqual({ outcome, result });
    expect(await runCheck(check, 1_000, never)).toEqual(outcome);
  });

  it('says timeout for a run cut off at its deadline, nothing for one stopped', async () => {
    const hang: Check = { perform: () => new Promise<boolean>(() => undefined) };
    expect(await classifiedCheck(hang, 20, never)).toEqual({
      outcome: { ok: false, reason: 'timed out after 20 ms' },
      result: 'timeout',
    });
    const stop = new AbortController();
    const stopped = classifiedCheck(hang, 10_000, stop.signal);
    stop.abort();
    expect(await stopped).toEqual({ outcome: { ok: false, reason: 'stopped' }, result: undefined });
  });
});
