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
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let onStop = (): void => undefined;
  let cutOff = false;
  const cutoff = new Promise<Settled<T>>((resolve) => {
    const end = (reason: string): void => {
      cutOff = true;
      controller.abort();
      resolve({ ok: false, reason });
    };
    timer = setTimeout(() => end(`timed out after ${timeoutMs} ms`), timeoutMs);
    onStop = () => end('stopped');
    if (stop.aborted) onStop();
    else stop.addEventListener('abort', onStop, { once: true });
  });
  const run = (async () => task(controller.signal))().then(
    (value): Settled<T> => {
      if (cutOff) late?.(value);
      return { ok: true, value };
    },
    (error: unknown): Settled<T> => ({ ok: false, reason: describeError(error) }),
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
  const settled = await settleWithin((signal) => check.perform(signal), timeoutMs, stop);
  if (!settled.ok) return { ok: false, reason: settled.reason };
  const result: unknown = settled.value;
  if (typeof result === 'boolean') return { ok: result };
  // A plugin breaking its contract (undefined, a number…) is a failed check, not a crash.
  if (!isRecord(result))
    return { ok: false, reason: 'the check answered neither a boolean nor { ok, reason }' };
  const { ok, reason } = result;
  return typeof reason === 'string' ? { ok: ok === true, reason } : { ok: ok === true };
}
