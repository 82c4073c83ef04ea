/**
 * Runs async tasks one after another in submission order. Config changes go through one of these
 * so that an update never races the add it follows (1.0 applied them on 8 threads, bug B24); the
 * HAProxy balancer serialises its syncs and its admin-socket exchanges with it.
 */
export class SerialQueue {
  private tail: Promise<void> = Promise.resolve();

  /** Queues `task`; the returned promise settles with it. A failure does not stop later tasks. */
  run<T>(task: () => T | Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /** Resolves when everything queued so far has run. */
  idle(): Promise<void> {
    return this.tail;
  }
}
