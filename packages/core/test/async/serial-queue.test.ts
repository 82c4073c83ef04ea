import { describe, expect, it } from 'vitest';
import { SerialQueue } from '../../src/async/serial-queue.js';

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every already-queued promise callback run (a few rounds of microtasks and one macrotask). */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Whether `promise` has settled by now (after flushing). */
async function isSettled(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await flush();
  return settled;
}

describe('SerialQueue', () => {
  it('settles each run with its task’s value', async () => {
    const queue = new SerialQueue();
    await expect(queue.run(() => 42)).resolves.toBe(42);
    await expect(queue.run(async () => 'async')).resolves.toBe('async');
  });

  it('does not start a task synchronously', async () => {
    const queue = new SerialQueue();
    let started = false;
    const done = queue.run(() => {
      started = true;
    });
    expect(started).toBe(false);
    await done;
    expect(started).toBe(true);
  });

  it('runs tasks one after another, in submission order, never overlapping', async () => {
    const queue = new SerialQueue();
    const log: string[] = [];
    let active = 0;
    let maxActive = 0;
    const gates = [deferred(), deferred(), deferred()];
    const runs = gates.map((gate, i) =>
      queue.run(async () => {
        active++;
        maxActive = Math.max(maxActive, active);
        log.push(`start ${i}`);
        await gate.promise;
        log.push(`end ${i}`);
        active--;
        return i;
      }),
    );
    await flush();
    expect(log).toEqual(['start 0']);
    // Releasing a later task first does not let it overtake.
    gates[2]!.resolve();
    gates[1]!.resolve();
    await flush();
    expect(log).toEqual(['start 0']);
    gates[0]!.resolve();
    await expect(Promise.all(runs)).resolves.toEqual([0, 1, 2]);
    expect(log).toEqual(['start 0', 'end 0', 'start 1', 'end 1', 'start 2', 'end 2']);
    expect(maxActive).toBe(1);
  });

  it('rejects a run with its task’s error and goes on with the next tasks', async () => {
    const queue = new SerialQueue();
    const ran: number[] = [];
    const first = queue.run(async () => {
      ran.push(1);
      throw new Error('async failure');
    });
    const second = queue.run(() => {
      ran.push(2);
      throw new Error('sync failure');
    });
    const third = queue.run(() => {
      ran.push(3);
      return 'ok';
    });
    await expect(first).rejects.toThrow('async failure');
    await expect(second).rejects.toThrow('sync failure');
    await expect(third).resolves.toBe('ok');
    expect(ran).toEqual([1, 2, 3]);
  });

  it('does not let a rejected run surface as an unhandled rejection of the queue itself', async () => {
    const queue = new SerialQueue();
    const failed = queue.run(() => Promise.reject(new Error('nope')));
    await expect(failed).rejects.toThrow('nope');
    // The queue's own chain swallowed the failure: idle() resolves instead of rejecting.
    await expect(queue.idle()).resolves.toBeUndefined();
  });

  it('runs a task queued by a running task after it, not inside it', async () => {
    const queue = new SerialQueue();
    const log: string[] = [];
    let inner: Promise<void> | undefined;
    await queue.run(async () => {
      log.push('outer start');
      inner = queue.run(() => {
        log.push('inner');
      });
      await flush();
      log.push('outer end');
    });
    await inner;
    expect(log).toEqual(['outer start', 'outer end', 'inner']);
  });

  describe('idle()', () => {
    it('resolves at once when nothing was queued', async () => {
      expect(await isSettled(new SerialQueue().idle())).toBe(true);
    });

    it('resolves only once everything queued so far has run, failures included', async () => {
      const queue = new SerialQueue();
      const gate = deferred();
      const ran: string[] = [];
      void queue.run(async () => {
        await gate.promise;
        ran.push('slow');
      });
      queue.run(() => Promise.reject(new Error('x'))).catch(() => undefined);
      void queue.run(() => {
        ran.push('last');
      });
      const idle = queue.idle();
      expect(await isSettled(idle)).toBe(false);
      gate.resolve();
      await idle;
      expect(ran).toEqual(['slow', 'last']);
    });

    it('does not wait for tasks queued after the call', async () => {
      const queue = new SerialQueue();
      void queue.run(() => undefined);
      const idle = queue.idle();
      const gate = deferred();
      const later = queue.run(() => gate.promise);
      expect(await isSettled(idle)).toBe(true);
      expect(await isSettled(later)).toBe(false);
      gate.resolve();
      await later;
    });
  });

  it('keeps separate queues independent', async () => {
    const a = new SerialQueue();
    const b = new SerialQueue();
    const gate = deferred();
    const blocked = a.run(() => gate.promise);
    await expect(b.run(() => 'b')).resolves.toBe('b');
    expect(await isSettled(blocked)).toBe(false);
    gate.resolve();
    await blocked;
  });
});
