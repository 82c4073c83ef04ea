import { CoalescingTimer } from '../async/coalescing-timer.js';

/**
 * Per-key settling that hands settled keys over in batches. A key settles `delayMs` after its
 * last touch, so a file is read only once its writer has gone quiet (`cat >` truncates first,
 * editors and `sed -i` write a temporary file and rename it). Settled keys are held back while
 * other keys are still settling, so that the two halves of one operation (the old and new name
 * of a rename, two files swapping a `name:`) are judged together; `maxWaitMs` bounds that wait
 * while something keeps writing elsewhere — then only the keys already quiet are handed over.
 */

/** The handle returned by {@link createBatcher}. */
export interface Batcher {
  /** Records activity on `key` (re)starting its settling. */
  touch(key: string): void;
  /** Cancels the timer and ignores later touches; pending keys are dropped. */
  close(): void;
}

/** Creates a batcher calling `flush` with each batch of settled keys. */
export function createBatcher(
  delayMs: number,
  maxWaitMs: number,
  flush: (keys: string[]) => void,
): Batcher {
  /** Each pending key and when it was last touched (`performance.now()`). */
  const touched = new Map<string, number>();
  let closed = false;
  const timer = new CoalescingTimer({ minMs: delayMs, maxMs: maxWaitMs }, () => {
    const now = performance.now();
    // 1 ms of slack: the timer and the clock may round apart.
    const settled = [...touched].filter(([, at]) => now - at >= delayMs - 1).map(([key]) => key);
    for (const key of settled) touched.delete(key);
    if (touched.size > 0) timer.touch(); // the window ran out: the rest settles in a new one
    if (settled.length > 0) flush(settled);
  });
  return {
    touch(key) {
      if (closed) return;
      touched.delete(key); // re-inserted last: batches list keys in the order they settled
      touched.set(key, performance.now());
      timer.touch();
    },
    close() {
      closed = true;
      touched.clear();
      timer.close();
    },
  };
}
