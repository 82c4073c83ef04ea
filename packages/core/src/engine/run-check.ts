import type { Check } from '../contracts/check.js';
import { describeError } from '../errors.js';
import { isRecord } from '../is-record.js';

/** The normalised outcome of one check run. */
export interface CheckOutcome {
  ok: boolean;
  reason?: string;
}

/** A task's value, or why it produced none (it failed, timed out, or the monitor stopped). */
export type Settled<T> = { ok: true; value: T } | { ok: false; reason: string };

/**
 * How one check run ended, for metrics: it passed, it answered "failed", it did not answer in
 * time, or it threw (or broke its contract, or could not be created).
 */
export type CheckResult = 'pass' | 'fail' | 'timeout' | 'error';

/** Why a task produced no value, besides its reason. */
type Cutoff = 'timeout' | 'stopped' | 'error';

/**
 * Runs `task` with an `AbortSignal` that fires at the deadline or when `stop` fires, and settles
 * by then whatever the task does: plugin code that ignores its signal cannot stall the caller
 * (1.0's checks had no timeout, bug B18). A value that arrives after the cutoff goes to `late`,
 * so the caller can release it.
 */
export async function settleWithin<T>(
  task: (signal: AbortSignal) => T | Promise<T>,
  timeoutMs: number,
  stop: AbortSignal,
  late?: (value: T) => void,
): Promise<Settled<T>> {
  return (await settle(task, timeoutMs, stop, late)).settled;
}

/** {@link settleWithin}, also saying why a task produced no value. */
async function settle<T>(
  task: (signal: AbortSignal) => T | Promise<T>,
  timeoutMs: number,
  stop: AbortSignal,
  late?: (value: T) => void,
): Promise<{ settled: Settled<T>; cutoff?: Cutoff }> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let onStop = (): void => undefined;
  let cutOff = false;
  const cutoff = new Promise<{ settled: Settled<T>; cutoff: Cutoff }>((resolve) => {
    const end = (reason: string, why: Cutoff): void => {
      cutOff = true;
      controller.abort();
      resolve({ settled: { ok: false, reason }, cutoff: why });
    };
    timer = setTimeout(() => end(`timed out after ${timeoutMs} ms`, 'timeout'), timeoutMs);
    onStop = () => end('stopped', 'stopped');
    if (stop.aborted) onStop();
    else stop.addEventListener('abort', onStop, { once: true });
  });
  const run = (async () => task(controller.signal))().then(
    (value): { settled: Settled<T> } => {
      if (cutOff) late?.(value);
      return { settled: { ok: true, value } };
    },
    (error: unknown): { settled: Settled<T>; cutoff: Cutoff } => ({
      settled: { ok: false, reason: describeError(error) },
      cutoff: 'error',
    }),
  );
  try {
    return await Promise.race([run, cutoff]);
  } finally {
    clearTimeout(timer);
    stop.removeEventListener('abort', onStop);
  }
}

/** Runs `check.perform` once within `timeoutMs` (or until `stop`), normalising its answer. */
export async function runCheck(
  check: Check,
  timeoutMs: number,
  stop: AbortSignal,
): Promise<CheckOutcome> {
  return (await classifiedCheck(check, timeoutMs, stop)).outcome;
}

/**
 * {@link runCheck}, also saying how the run ended; `result` is undefined when `stop` cut it
 * short (the run says nothing about the check).
 */
export async function classifiedCheck(
  check: Check,
  timeoutMs: number,
  stop: AbortSignal,
): Promise<{ outcome: CheckOutcome; result: CheckResult | undefined }> {
  const { settled, cutoff } = await settle((signal) => check.perform(signal), timeoutMs, stop);
  if (!settled.ok)
    return {
      outcome: { ok: false, reason: settled.reason },
      result: cutoff === 'stopped' ? undefined : (cutoff ?? 'error'),
    };
  const answer: unknown = settled.value;
  if (typeof answer === 'boolean')
    return { outcome: { ok: answer }, result: answer ? 'pass' : 'fail' };
  // A plugin breaking its contract (undefined, a number…) is a failed check, not a crash.
  if (!isRecord(answer))
    return {
      outcome: { ok: false, reason: 'the check answered neither a boolean nor { ok, reason }' },
      result: 'error',
    };
  const { ok, reason } = answer;
  const outcome = typeof reason === 'string' ? { ok: ok === true, reason } : { ok: ok === true };
  return { outcome, result: outcome.ok ? 'pass' : 'fail' };
}
