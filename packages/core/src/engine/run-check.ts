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
function settle<T>(
  task: (signal: AbortSignal) => T | Promise<T>,
  timeoutMs: number,
  stop: AbortSignal,
  late?: (value: T) => void,
): Promise<{ settled: Settled<T>; cutoff?: Cutoff }> {
  // One promise, settled by whichever comes first: the task, its deadline or the stop (this runs
  // for every check run, so no race of three promises is built for it).
  return new Promise((resolve) => {
    const controller = new AbortController();
    let ended = false;
    /** Settles the run unless it already ended; says whether this call settled it. */
    const end = (outcome: { settled: Settled<T>; cutoff?: Cutoff }): boolean => {
      if (ended) return false;
      ended = true;
      clearTimeout(timer);
      stop.removeEventListener('abort', onStop);
      resolve(outcome);
      return true;
    };
    const cut = (reason: string, why: Cutoff): void => {
      if (end({ settled: { ok: false, reason }, cutoff: why })) controller.abort();
    };
    const onStop = (): void => cut('stopped', 'stopped');
    const timer = setTimeout(() => cut(`timed out after ${timeoutMs} ms`, 'timeout'), timeoutMs);
    if (stop.aborted) onStop();
    else stop.addEventListener('abort', onStop, { once: true });
    const failed = (error: unknown): void => {
      end({ settled: { ok: false, reason: describeError(error) }, cutoff: 'error' });
    };
    let pending: T | Promise<T>;
    try {
      pending = task(controller.signal);
    } catch (error) {
      failed(error);
      return;
    }
    Promise.resolve(pending).then((value) => {
      // A value after the cutoff goes to `late`, so the caller can release it.
      if (!end({ settled: { ok: true, value } })) late?.(value);
    }, failed);
  });
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
