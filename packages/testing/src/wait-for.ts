/** Options of {@link waitFor}. */
export interface WaitForOptions {
  /** Give up after this long. Default 5 s. */
  timeoutMs?: number;
  /** Poll this often. Default 10 ms. */
  intervalMs?: number;
  /** Says what was awaited, for the timeout message. */
  what?: string;
}

/**
 * Polls `probe` until it returns a value other than `undefined`/`false`, and returns that value.
 * Tests use it instead of fixed sleeps: it is as fast as the system and fails with a message.
 */
export async function waitFor<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  options: WaitForOptions = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 5_000);
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const detail = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(
        `timed out after ${options.timeoutMs ?? 5_000} ms waiting for ${options.what ?? 'a condition'}${detail}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 10));
  }
}
