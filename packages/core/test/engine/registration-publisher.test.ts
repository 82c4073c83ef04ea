import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Registration } from '../../src/contracts/discovery.js';
import { RegistrationPublisher } from '../../src/engine/registration-publisher.js';
import type { LogFields, Logger } from '../../src/log.js';
import { silentLogger } from '../../src/log.js';
import { tick, track } from '../helpers/promise-state.js';
import { FakeDiscovery } from './fake-discovery.js';

const reg = (
  service: string,
  port: number,
  metadata: Record<string, unknown> = {},
): Registration => ({
  service,
  node: { host: 'app01', ip: '10.0.0.1', port, metadata },
});
const web = reg('web', 80);
const api = reg('api', 81);
const db = reg('db', 5432);

describe('RegistrationPublisher', () => {
  let instances: Map<string, FakeDiscovery>;
  let publisher: RegistrationPublisher;
  let logged: { level: string; message: string; fields: LogFields | undefined }[];

  const recordingLogger: Logger = {
    debug: (message, fields) => logged.push({ level: 'debug', message, fields }),
    info: (message, fields) => logged.push({ level: 'info', message, fields }),
    warn: (message, fields) => logged.push({ level: 'warn', message, fields }),
    error: (message, fields) => logged.push({ level: 'error', message, fields }),
    child: () => recordingLogger,
  };

  beforeEach(async () => {
    vi.useFakeTimers();
    // No jitter: the publisher's back-off is exactly 200 ms, 400 ms, 800 ms…
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    logged = [];
    instances = new Map([
      ['zk-a', new FakeDiscovery()],
      ['zk-b', new FakeDiscovery()],
    ]);
    publisher = await announced(silentLogger);
  });
  afterEach(async () => {
    for (const instance of instances.values()) instance.finishAll();
    await publisher.drain(0);
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  /**
   * A publisher told about both instances (the discovery pool calls `refresh(name)` for each
   * instance it creates), past the empty sets this first publishes; the records start empty.
   */
  async function announced(logger: Logger): Promise<RegistrationPublisher> {
    const created = new RegistrationPublisher((name) => instances.get(name), logger);
    created.refresh('zk-a');
    created.refresh('zk-b');
    await tick();
    for (const instance of instances.values()) {
      expect(instance.published).toEqual([[]]);
      instance.published.length = 0;
    }
    return created;
  }

  const a = () => instances.get('zk-a')!;
  const b = () => instances.get('zk-b')!;

  /** Puts a new instance in place of `name`'s current one (as the discovery pool does). */
  function replace(name: string): FakeDiscovery {
    const next = new FakeDiscovery();
    instances.set(name, next);
    return next;
  }

  describe('publishing', () => {
    it('publishes each discovery its complete set, one publish for a burst of changes', async () => {
      publisher.want('web:80', 'zk-a', web);
      publisher.want('api:81', 'zk-a', api);
      publisher.want('db:5432', 'zk-b', db);
      expect(a().published).toEqual([]);
      await tick();
      expect(a().published).toEqual([[web, api]]);
      expect(b().published).toEqual([[db]]);
      expect(['web:80', 'api:81', 'db:5432'].map((key) => publisher.isRegistered(key))).toEqual([
        true,
        true,
        true,
      ]);
    });

    it('republishes the complete set of a discovery whose set changed, and only that one', async () => {
      publisher.want('web:80', 'zk-a', web);
      publisher.want('db:5432', 'zk-b', db);
      await tick();
      const web81 = reg('web', 81);
      publisher.want('web:81', 'zk-a', web81);
      await tick();
      expect(a().published).toEqual([[web], [web, web81]]);
      expect(b().published).toEqual([[db]]);
    });

    it('publishes nothing when nothing changed', async () => {
      publisher.want('web:80', 'zk-a', web);
      publisher.want('web:80', 'zk-a', reg('web', 80)); // equal, before the first pass
      await tick();
      expect(a().published).toHaveLength(1);
      publisher.want('web:80', 'zk-a', reg('web', 80)); // equal, after it
      publisher.unwant('never-wanted');
      publisher.refresh('zk-a'); // a pass runs, but every instance already holds its set
      await tick(10_000);
      expect(a().published).toHaveLength(1);
      expect(b().published).toEqual([]);
      expect(publisher.isRegistered('web:80')).toBe(true);
    });

    it('publishes the reduced set on unwant, down to the empty set', async () => {
      publisher.want('web:80', 'zk-a', web);
      publisher.want('api:81', 'zk-a', api);
      await tick();
      publisher.unwant('web:80');
      expect(publisher.isRegistered('web:80')).toBe(false);
      await tick();
      expect(a().last).toEqual([api]);
      publisher.unwant('api:81');
      await tick();
      expect(a().published).toEqual([[web, api], [api], []]);
      expect(publisher.isRegistered('api:81')).toBe(false);
    });

    it('moves a registration between discoveries', async () => {
      publisher.want('web:80', 'zk-a', web);
      await tick();
      publisher.want('web:80', 'zk-b', web);
      expect(publisher.isRegistered('web:80')).toBe(false);
      await tick();
      expect(a().published).toEqual([[web], []]);
      expect(b().published).toEqual([[web]]);
      expect(publisher.isRegistered('web:80')).toBe(true);
    });

    it('says a changed registration is registered only once its discovery confirmed it', async () => {
      a().slow = true;
      publisher.want('web:80', 'zk-a', web);
      await tick();
      expect(a().published).toEqual([[web]]);
      expect(publisher.isRegistered('web:80')).toBe(false);
      a().finish();
      await tick();
      expect(publisher.isRegistered('web:80')).toBe(true);
      const drained = reg('web', 80, { weight: 0 });
      publisher.want('web:80', 'zk-a', drained);
      expect(publisher.isRegistered('web:80')).toBe(false);
      await tick();
      expect(a().last).toEqual([drained]);
      expect(publisher.isRegistered('web:80')).toBe(false);
      a().finish();
      await tick();
      expect(publisher.isRegistered('web:80')).toBe(true);
    });

    it('says nothing is registered under a key nobody wants', () => {
      expect(publisher.isRegistered('web:80')).toBe(false);
    });

    it('publishes nothing to a discovery that has no instance (yet)', async () => {
      publisher.want('web:80', 'zk-c', web);
      await tick(10_000);
      expect(publisher.isRegistered('web:80')).toBe(false);
      const c = new FakeDiscovery();
      instances.set('zk-c', c);
      publisher.refresh('zk-c');
      await tick();
      expect(c.published).toEqual([[web]]);
      expect(publisher.isRegistered('web:80')).toBe(true);
    });

    it('publishes the empty set to an announced discovery this daemon registers nothing in', async () => {
      const c = new FakeDiscovery();
      instances.set('zk-c', c);
      publisher.refresh('zk-c');
      await tick();
      expect(c.published).toEqual([[]]);
      publisher.refresh('zk-c');
      await tick(10_000);
      expect(c.published).toEqual([[]]);
    });

    it('logs what each confirmed set registered and deregistered', async () => {
      publisher = await announced(recordingLogger);
      publisher.want('web:80', 'zk-a', web);
      await tick();
      publisher.unwant('web:80');
      await tick();
      expect(logged).toEqual([
        {
          level: 'info',
          message: 'registered',
          fields: { discovery: 'zk-a', service: 'web', node: 'app01:80' },
        },
        {
          level: 'info',
          message: 'deregistered',
          fields: { discovery: 'zk-a', service: 'web', node: 'app01:80' },
        },
      ]);
    });
  });

  describe('failures', () => {
    it('retries a failed publish with back-off; registered only after confirmation', async () => {
      publisher = await announced(recordingLogger);
      a().failing = new Error('connection loss');
      publisher.want('web:80', 'zk-a', web);
      await tick();
      expect(a().published).toHaveLength(1);
      expect(publisher.isRegistered('web:80')).toBe(false);
      expect(logged).toEqual([
        {
          level: 'warn',
          message: 'publishing registrations failed, will retry',
          fields: { error: 'zk-a: connection loss', retry_ms: 200 },
        },
      ]);
      await tick(199);
      expect(a().published).toHaveLength(1);
      await tick(1);
      expect(a().published).toHaveLength(2); // retried, failed again: 400 ms now
      expect(publisher.isRegistered('web:80')).toBe(false);
      a().failing = undefined;
      await tick(399);
      expect(a().published).toHaveLength(2);
      expect(publisher.isRegistered('web:80')).toBe(false);
      await tick(1);
      expect(a().published).toEqual([[web], [web], [web]]);
      expect(publisher.isRegistered('web:80')).toBe(true);
      await tick(60_000);
      expect(a().published).toHaveLength(3);
    });

    it('refresh() cuts the back-off short', async () => {
      a().failing = new Error('connection loss');
      publisher.want('web:80', 'zk-a', web);
      await tick();
      a().failing = undefined;
      publisher.refresh('zk-a');
      await tick();
      expect(a().published).toHaveLength(2);
      expect(publisher.isRegistered('web:80')).toBe(true);
    });

    it('publishes to two discoveries independently: one failing does not block the other', async () => {
      a().failing = new Error('zk-a is down');
      publisher.want('web:80', 'zk-a', web);
      publisher.want('db:5432', 'zk-b', db);
      await tick();
      expect(publisher.isRegistered('db:5432')).toBe(true);
      expect(publisher.isRegistered('web:80')).toBe(false);
      await tick(200 + 400);
      expect(a().published).toHaveLength(3);
      expect(b().published).toEqual([[db]]); // confirmed once, not republished by the retries
      a().failing = undefined;
      await tick(800);
      expect(publisher.isRegistered('web:80')).toBe(true);
      expect(publisher.isRegistered('db:5432')).toBe(true);
    });

    // A plugin keeps converging to the latest set even when publish rejected, so going back to
    // the confirmed set after a failed publish must send it again, or `web:81` would stay.
    it('after a failed publish, goes back to the confirmed set by publishing it again', async () => {
      publisher.want('web:80', 'zk-a', web);
      await tick();
      a().failing = new Error('timeout');
      const web81 = reg('web', 81);
      publisher.want('web:81', 'zk-a', web81);
      await tick();
      expect(a().last).toEqual([web, web81]);
      a().failing = undefined;
      publisher.unwant('web:81');
      await tick(10_000);
      expect(a().last).toEqual([web]);
    });
  });

  describe('replaced discovery instances', () => {
    it('publishes the full set to a new instance; handOver resolves true once it confirmed', async () => {
      publisher.want('web:80', 'zk-a', web);
      publisher.want('api:81', 'zk-a', api);
      await tick();
      const old = a();
      const next = replace('zk-a');
      next.slow = true;
      expect(publisher.isRegistered('web:80')).toBe(false); // the current instance confirmed nothing
      const handed = track(publisher.handOver('zk-a', 10_000));
      await tick();
      expect(next.published).toEqual([[web, api]]);
      expect(handed.status).toBe('pending');
      next.finish();
      await tick();
      expect(handed).toEqual({ status: 'resolved', value: true });
      expect(publisher.isRegistered('web:80')).toBe(true);
      expect(publisher.isRegistered('api:81')).toBe(true);
      expect(old.published).toHaveLength(1);
    });

    it('does not count a publish that finishes on a replaced instance', async () => {
      publisher = await announced(recordingLogger);
      a().slow = true;
      publisher.want('web:80', 'zk-a', web);
      await tick();
      const old = a();
      const next = replace('zk-a');
      old.finish();
      await tick();
      expect(publisher.isRegistered('web:80')).toBe(false);
      expect(logged).toEqual([]); // nothing was registered as far as the publisher knows
      const handed = track(publisher.handOver('zk-a', 10_000));
      await tick();
      expect(next.published).toEqual([[web]]);
      expect(handed).toEqual({ status: 'resolved', value: true });
      expect(publisher.isRegistered('web:80')).toBe(true);
      expect(logged.map(({ message }) => message)).toEqual(['registered']);
    });

    it('hands over at once when the current instance already holds the set', async () => {
      publisher.want('web:80', 'zk-a', web);
      await tick();
      const handed = track(publisher.handOver('zk-a', 10_000));
      await tick();
      expect(handed).toEqual({ status: 'resolved', value: true });
      expect(a().published).toHaveLength(1);
    });

    it('handOver returns false at its timeout when publish keeps failing', async () => {
      publisher.want('web:80', 'zk-a', web);
      await tick();
      const next = replace('zk-a');
      next.failing = new Error('no quorum');
      const handed = track(publisher.handOver('zk-a', 3_000));
      await tick(2_999);
      expect(handed.status).toBe('pending');
      expect(next.published.length).toBeGreaterThan(1); // retried meanwhile
      await tick(1);
      expect(handed).toEqual({ status: 'resolved', value: false });
      expect(publisher.isRegistered('web:80')).toBe(false);
    });

    it('handOver is not held up by another discovery failing', async () => {
      a().failing = new Error('zk-a is down');
      publisher.want('web:80', 'zk-a', web);
      publisher.want('db:5432', 'zk-b', db);
      await tick();
      const next = replace('zk-b');
      const handed = track(publisher.handOver('zk-b', 10_000));
      await tick(1_000);
      expect(next.published).toEqual([[db]]);
      expect(publisher.isRegistered('db:5432')).toBe(true);
      expect(handed).toEqual({ status: 'resolved', value: true });
    });

    it('handOver of a discovery this daemon registers nothing in succeeds without waiting', async () => {
      const next = replace('zk-a');
      const handed = track(publisher.handOver('zk-a', 10_000));
      await tick();
      expect(next.published).toEqual([[]]);
      expect(handed).toEqual({ status: 'resolved', value: true });
    });
  });

  describe('drain()', () => {
    it('publishes the empty set to every discovery, resolves, and publishes nothing after', async () => {
      publisher.want('web:80', 'zk-a', web);
      publisher.want('db:5432', 'zk-b', db);
      await tick();
      const drained = track(publisher.drain(5_000));
      await tick();
      expect(a().published).toEqual([[web], []]);
      expect(b().published).toEqual([[db], []]);
      expect(drained.status).toBe('resolved');
      expect(publisher.isRegistered('web:80')).toBe(false);
      publisher.want('api:81', 'zk-a', api);
      publisher.refresh('zk-a');
      await tick(10_000);
      expect(a().published).toHaveLength(2);
    });

    it('waits until the empty set is confirmed', async () => {
      publisher.want('web:80', 'zk-a', web);
      await tick();
      a().slow = true;
      const drained = track(publisher.drain(5_000));
      await tick(1_000);
      expect(a().last).toEqual([]);
      expect(drained.status).toBe('pending');
      a().finish();
      await tick(50); // drain looks again after each successful pass and every 50 ms
      expect(drained.status).toBe('resolved');
    });

    it('resolves at its timeout when publish keeps failing', async () => {
      publisher.want('web:80', 'zk-a', web);
      await tick();
      a().failing = new Error('no quorum');
      const drained = track(publisher.drain(2_000));
      await tick(1_999);
      expect(drained.status).toBe('pending');
      await tick(1);
      expect(drained.status).toBe('resolved');
      const attempts = a().published.length;
      await tick(60_000);
      expect(a().published).toHaveLength(attempts); // stopped: no retries any more
    });

    it('does not wait for a removed discovery', async () => {
      publisher.want('web:80', 'zk-a', web);
      publisher.want('db:5432', 'zk-b', db);
      await tick();
      instances.delete('zk-b');
      const drained = track(publisher.drain(5_000));
      await tick();
      expect(a().last).toEqual([]);
      expect(drained.status).toBe('resolved');
    });

    // The failed publish of [web] supersedes the confirmed [], so drain's empty set must be
    // published again although it equals what was confirmed.
    it('also deregisters what a failed publish asked for', async () => {
      a().failing = new Error('timeout');
      publisher.want('web:80', 'zk-a', web);
      await tick();
      a().failing = undefined;
      const drained = track(publisher.drain(5_000));
      await tick(1_000);
      expect(a().last).toEqual([]);
      expect(drained.status).toBe('resolved');
    });
  });
});
