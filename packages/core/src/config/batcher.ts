/**
 * Per-key debounce that hands settled keys over in batches. A key settles `delayMs` after its
 * last touch, so a file is read only once its writer has gone quiet (`cat >` truncates first,
 * editors and `sed -i` write a temporary file and rename it). Settled keys are held back while
 * other keys are still settling, so that the two halves of one operation (the old and new name
 * of a rename, two files swapping a `name:`) are judged together; `maxWaitMs` bounds that wait
 * while something keeps writing elsewhere.
 */

/** The handle returned by {@link createBatcher}. */
export interface Batcher {
  /** Records activity on `key` (re)starting its debounce. */
  touch(key: string): void;
  /** Cancels every timer and ignores later touches; pending keys are dropped. */
  close(): void;
}

/** Creates a batcher calling `flush` with each batch of settled keys. */
export function createBatcher(
  delayMs: number,
  maxWaitMs: number,
  flush: (keys: string[]) => void,
): Batcher {
  const settling = new Map<string, NodeJS.Timeout>();
  const settled = new Set<string>();
  let overdue: NodeJS.Timeout | undefined;
  let closed = false;

  const release = (): void => {
    clearTimeout(overdue);
    overdue = undefined;
    if (settled.size === 0) return;
    const keys = [...settled];
    settled.clear();
    flush(keys);
  };

  const settle = (key: string): void => {
    settling.delete(key);
    settled.add(key);
    if (settling.size === 0) release();
    else overdue ??= setTimeout(release, maxWaitMs);
  };

  return {
    touch(key) {
      if (closed) return;
      clearTimeout(settling.get(key));
      settled.delete(key);
      settling.set(
        key,
        setTimeout(() => settle(key), delayMs),
      );
    },
    close() {
      closed = true;
      for (const timer of settling.values()) clearTimeout(timer);
      settling.clear();
      settled.clear();
      clearTimeout(overdue);
      overdue = undefined;
    },
  };
}
