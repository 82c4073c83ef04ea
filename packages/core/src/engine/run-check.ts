import type { Check } from '../contracts/check.js';
import { describeError } from '../errors.js';

/** The normalised outcome of one check run. */
export interface CheckOutcome {
  ok: boolean;
  reason?: string;
}

/**
 * Runs `check.perform` once with a hard deadline. The check gets an `AbortSignal` that fires at
 * the deadline (or when `stop` fires); whatever the plugin does, the outcome is settled by then,
 * so a hung service never stalls the loop (1.0's checks had no timeout, bug B18).
 */
export async function runCheck(
  check: Check,
  timeoutMs: number,
  stop: AbortSignal,
): Promise<CheckOutcome> {
  const controller = new AbortController();
  const abort = (): void => controller.abort();
  stop.addEventListener('abort', abort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<CheckOutcome>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve({ ok: false, reason: `timed out after ${timeoutMs} ms` });
    }, timeoutMs);
  });
  try {
    const run = check.perform(controller.signal).then(
      (result): CheckOutcome =>
        typeof result === 'boolean'
          ? { ok: result }
          : result.reason === undefined
            ? { ok: result.ok === true }
            : { ok: result.ok === true, reason: result.reason },
      (error: unknown): CheckOutcome => ({ ok: false, reason: describeError(error) }),
    );
    return await Promise.race([run, deadline]);
  } catch (error) {
    // perform() threw synchronously.
    return { ok: false, reason: describeError(error) };
  } finally {
    clearTimeout(timer);
    stop.removeEventListener('abort', abort);
  }
}
