import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { recordingLogger, recordingMetrics } from '@lighthouse/testing';
import { noopMetrics } from '../../src/metrics/noop.js';
import { CREATE_TIMEOUT_MS, instantiate } from '../../src/engine/instantiate.js';
import type { InstanceSpec } from '../../src/engine/instantiate.js';
import type { PluginContext } from '../../src/contracts/context.js';
import type { Settled } from '../../src/engine/run-check.js';

interface Instance {
  id: string;
}

/** A promise with its resolve and reject exposed. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Starts `instantiate` and tracks whether it has settled yet. */
function track<T>(spec: InstanceSpec<T>) {
  const state: { settled: Settled<T> | undefined } = { settled: undefined };
  const promise = instantiate(spec).then((settled) => {
    state.settled = settled;
    return settled;
  });
  return { state, promise };
}

describe('instantiate', () => {
  let logger = recordingLogger();
  let released: Instance[] = [];
  beforeEach(() => {
    logger = recordingLogger();
    released = [];
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function spec(
    create: InstanceSpec<Instance>['create'],
    extra: Partial<InstanceSpec<Instance>> = {},
  ): InstanceSpec<Instance> {
    return {
      kind: 'balancers',
      name: 'main',
      logger,
      create,
      release: (late) => {
        released.push(late);
      },
      ...extra,
    };
  }

  it('returns the instance and releases nothing when create finishes in time', async () => {
    const instance = { id: 'a' };
    await expect(instantiate(spec(() => instance))).resolves.toEqual({
      ok: true,
      value: instance,
    });
    await expect(instantiate(spec(async () => instance))).resolves.toEqual({
      ok: true,
      value: instance,
    });
    expect(released).toEqual([]);
    expect(logger.lines).toEqual([]);
  });

  it('hands create a debug namespace and a logger tagged with the plugin', async () => {
    let context: PluginContext | undefined;
    await instantiate({
      ...spec(() => ({ id: 'a' })),
      kind: 'discovery',
      name: 'zk-east',
      create: (given) => {
        context = given;
        return { id: 'a' };
      },
    });
    expect(context?.debug.namespace).toBe('lighthouse:plugin:discovery:zk-east');
    expect(typeof context?.debug).toBe('function');
    context?.log.warn('session expired', { attempt: 2 });
    context?.log.child({ cluster: 'web' }).info('watching');
    expect(logger.lines).toEqual([
      {
        level: 'warn',
        message: 'session expired',
        fields: { plugin: 'discovery/zk-east', attempt: 2 },
      },
      {
        level: 'info',
        message: 'watching',
        fields: { plugin: 'discovery/zk-east', cluster: 'web' },
      },
    ]);
  });

  it("hands create the daemon's metrics, or metrics that record nothing", async () => {
    const contexts: PluginContext[] = [];
    const create = (given: PluginContext) => {
      contexts.push(given);
      return { id: 'a' };
    };
    const metrics = recordingMetrics();
    await instantiate({ ...spec(create), metrics });
    await instantiate(spec(create));
    expect(contexts[0]?.metrics).toBe(metrics);
    expect(contexts[1]?.metrics).toBe(noopMetrics);
  });

  it.each([
    [
      'a synchronous throw',
      () => {
        throw new Error('bad config\nsecond line');
      },
      'bad config',
    ],
    ['a rejection', () => Promise.reject(new Error('no such socket')), 'no such socket'],
    ['a thrown string', () => Promise.reject('plain text'), 'plain text'],
  ])(
    'turns %s into a reason, logging nothing without failureMessage',
    async (_label, create, reason) => {
      await expect(instantiate(spec(create as InstanceSpec<Instance>['create']))).resolves.toEqual({
        ok: false,
        reason,
      });
      expect(logger.lines).toEqual([]);
    },
  );

  it('logs failureMessage at error with the plugin and the reason', async () => {
    const settled = await instantiate(
      spec(
        () => {
          throw new Error('cannot open /run/haproxy.sock');
        },
        { failureMessage: 'balancer could not be created' },
      ),
    );
    expect(settled).toEqual({ ok: false, reason: 'cannot open /run/haproxy.sock' });
    expect(logger.lines).toEqual([
      {
        level: 'error',
        message: 'balancer could not be created',
        fields: { plugin: 'balancers/main', error: 'cannot open /run/haproxy.sock' },
      },
    ]);
  });

  describe('deadline', () => {
    beforeEach(() => {
      vi.useFakeTimers();
    });

    it('gives up at timeoutMs and releases the instance that arrives later', async () => {
      const creation = deferred<Instance>();
      const run = track(spec(() => creation.promise, { timeoutMs: 50 }));
      await vi.advanceTimersByTimeAsync(49);
      expect(run.state.settled).toBeUndefined();
      await vi.advanceTimersByTimeAsync(1);
      expect(run.state.settled).toEqual({ ok: false, reason: 'timed out after 50 ms' });
      expect(released).toEqual([]);
      creation.resolve({ id: 'late' });
      await vi.waitFor(() => expect(released).toEqual([{ id: 'late' }]));
      expect(logger.lines).toEqual([]);
    });

    it('defaults to CREATE_TIMEOUT_MS', async () => {
      expect(CREATE_TIMEOUT_MS).toBe(10_000);
      const run = track(spec(() => new Promise<Instance>(() => undefined)));
      await vi.advanceTimersByTimeAsync(CREATE_TIMEOUT_MS - 1);
      expect(run.state.settled).toBeUndefined();
      await vi.advanceTimersByTimeAsync(1);
      expect(run.state.settled).toEqual({
        ok: false,
        reason: `timed out after ${CREATE_TIMEOUT_MS} ms`,
      });
    });

    it('logs a timeout with failureMessage', async () => {
      const run = track(
        spec(() => new Promise<Instance>(() => undefined), {
          timeoutMs: 20,
          failureMessage: 'discovery could not be created',
          kind: 'discovery',
          name: 'zk',
        }),
      );
      await vi.advanceTimersByTimeAsync(20);
      await run.promise;
      expect(logger.lines).toEqual([
        {
          level: 'error',
          message: 'discovery could not be created',
          fields: { plugin: 'discovery/zk', error: 'timed out after 20 ms' },
        },
      ]);
    });

    it('leaves no timer behind once create has finished', async () => {
      await instantiate(spec(async () => ({ id: 'a' }), { timeoutMs: 60_000 }));
      expect(vi.getTimerCount()).toBe(0);
    });

    it('ignores a failure that arrives after the deadline', async () => {
      const creation = deferred<Instance>();
      const run = track(
        spec(() => creation.promise, { timeoutMs: 10, failureMessage: 'could not be created' }),
      );
      await vi.advanceTimersByTimeAsync(10);
      creation.reject(new Error('too late to matter'));
      await vi.advanceTimersByTimeAsync(10);
      expect(run.state.settled).toEqual({ ok: false, reason: 'timed out after 10 ms' });
      expect(released).toEqual([]);
      expect(logger.lines).toHaveLength(1);
    });

    it('warns when releasing a late instance fails, without throwing', async () => {
      const creation = deferred<Instance>();
      const run = track(
        spec(() => creation.promise, {
          timeoutMs: 10,
          release: async () => {
            throw new Error('close failed\ndetails');
          },
        }),
      );
      await vi.advanceTimersByTimeAsync(10);
      await run.promise;
      creation.resolve({ id: 'late' });
      await vi.waitFor(() =>
        expect(logger.lines).toEqual([
          {
            level: 'warn',
            message: 'releasing a plugin instance created too late failed',
            fields: { plugin: 'balancers/main', error: 'close failed' },
          },
        ]),
      );
    });
  });

  describe('stop signal', () => {
    it('gives up at once when stop fires, and releases the instance created afterwards', async () => {
      const stop = new AbortController();
      const creation = deferred<Instance>();
      const run = track(
        spec(() => creation.promise, { stop: stop.signal, failureMessage: 'could not be created' }),
      );
      await Promise.resolve();
      expect(run.state.settled).toBeUndefined();
      stop.abort();
      await expect(run.promise).resolves.toEqual({ ok: false, reason: 'stopped' });
      expect(logger.lines).toEqual([
        {
          level: 'error',
          message: 'could not be created',
          fields: { plugin: 'balancers/main', error: 'stopped' },
        },
      ]);
      creation.resolve({ id: 'after-stop' });
      await vi.waitFor(() => expect(released).toEqual([{ id: 'after-stop' }]));
    });

    it('does not leak an instance when stop had already fired', async () => {
      const stop = new AbortController();
      stop.abort();
      const settled = await instantiate(spec(() => ({ id: 'eager' }), { stop: stop.signal }));
      expect(settled).toEqual({ ok: false, reason: 'stopped' });
      await vi.waitFor(() => expect(released).toEqual([{ id: 'eager' }]));
    });

    it('a stop after success changes nothing', async () => {
      const stop = new AbortController();
      const settled = await instantiate(spec(() => ({ id: 'a' }), { stop: stop.signal }));
      stop.abort();
      await Promise.resolve();
      expect(settled).toEqual({ ok: true, value: { id: 'a' } });
      expect(released).toEqual([]);
    });
  });
});
