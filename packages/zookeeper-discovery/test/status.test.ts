import { recordingMetrics, startZooKeeper, waitFor, zooKeeperCommand } from '@lighthouse/testing';
import type { RecordingMetrics, ZooKeeperServer } from '@lighthouse/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { ZooKeeperDiscovery } from '../src/discovery.js';
import { SESSION_OPERATIONS } from '../src/session.js';
import { GAUGED_STATES } from '../src/telemetry.js';
import {
  closeAll,
  createPath,
  CuttableProxy,
  discoveryFor,
  node,
  otherClient,
  Recorder,
  uniqueBase,
} from './support.js';

/** `describe()` and the metrics of the discovery, against a real ZooKeeper. */

const STATE = 'lighthouse_zookeeper_session_state';
const REGISTRATIONS = 'lighthouse_zookeeper_registrations';
const RECONNECTS = 'lighthouse_zookeeper_reconnects_total';
const FAILURES = 'lighthouse_zookeeper_operation_failures_total';

/** The state gauge as a record: `{ IDLE: 0, CONNECTING: 0, CONNECTED: 1, … }`. */
function states(metrics: RecordingMetrics): Record<string, number> {
  return Object.fromEntries(GAUGED_STATES.map((state) => [state, metrics.value(STATE, { state })]));
}

/** The state gauge with `state` at `count` and every other state at 0. */
function only(state: string, count = 1): Record<string, number> {
  return Object.fromEntries(GAUGED_STATES.map((each) => [each, each === state ? count : 0]));
}

/** Whether `metrics` ever exported `state` as 1 (a state passed through between two polls). */
function wasIn(metrics: RecordingMetrics, state: string): boolean {
  return metrics.history(STATE, { state }).includes(1);
}

function waitConnected(discovery: ZooKeeperDiscovery, what: string): Promise<true> {
  return waitFor(() => discovery.session.state === 'CONNECTED', { what, timeoutMs: 20_000 });
}

describe('describe() and metrics', () => {
  let zk: ZooKeeperServer;
  beforeAll(async () => {
    zk = await startZooKeeper();
  });
  afterAll(async () => {
    await zk?.stop();
  });
  afterEach(closeAll);

  it('creates its four metrics once, in the constructor, every series at zero', async () => {
    const metrics = recordingMetrics();
    const base = uniqueBase();
    const { discovery } = discoveryFor({ hosts: [zk.connectString], path: base }, metrics);
    expect(metrics.created().sort()).toEqual([FAILURES, REGISTRATIONS, RECONNECTS, STATE].sort());
    expect(states(metrics)).toEqual(only('IDLE'));
    expect(metrics.value(REGISTRATIONS)).toBe(0);
    // Every labelled series exists before its first event (inc by 0).
    const initialized = metrics.calls.flatMap((call) =>
      call.call === 'inc' ? [`${call.name} ${JSON.stringify(call.labels)} ${call.value}`] : [],
    );
    expect(initialized).toEqual([
      `${RECONNECTS} {"kind":"resumed"} 0`,
      `${RECONNECTS} {"kind":"new"} 0`,
      ...SESSION_OPERATIONS.map((operation) => `${FAILURES} {"operation":"${operation}"} 0`),
    ]);
    expect(discovery.describe()).toEqual({
      state: 'IDLE',
      facts: {
        hosts: zk.connectString,
        since: expect.any(String),
        reconnects: 0,
        reconnects_resumed: 0,
        reconnects_new: 0,
        registrations_held: 0,
        registrations_wanted: 0,
        clusters_watched: 0,
      },
    });

    await discovery.connect();
    await discovery.publish([{ service: 'web', node: node('host-a', 80) }]);
    await discovery.watch('web', () => undefined);
    expect(metrics.created()).toHaveLength(4); // none created per event
  });

  it('reports the session, the registrations it holds and the clusters it watches', async () => {
    const metrics = recordingMetrics();
    const base = uniqueBase();
    const { discovery } = discoveryFor({ hosts: [zk.connectString], path: base }, metrics);
    const connecting = discovery.connect();
    expect(discovery.describe().state).toBe('CONNECTING');
    expect(states(metrics)).toEqual(only('CONNECTING'));
    await connecting;
    await discovery.publish([
      { service: 'web', node: node('host-a', 80) },
      { service: 'web', node: node('host-b', 80) },
    ]);
    await discovery.watch('web', () => undefined);
    await discovery.watch('api', () => undefined);

    const report = discovery.describe();
    expect(report).toEqual({
      state: 'CONNECTED',
      facts: {
        hosts: zk.connectString,
        since: expect.any(String),
        session: `0x${discovery.session.sessionId}`,
        timeout_ms: 10_000, // the requested 10 s, within the server's [4 s, 40 s]
        reconnects: 0,
        reconnects_resumed: 0,
        reconnects_new: 0,
        registrations_held: 2,
        registrations_wanted: 2,
        clusters_watched: 2,
      },
    });
    expect(Date.parse(String(report.facts?.['since']))).toBeLessThanOrEqual(Date.now());
    expect(JSON.parse(JSON.stringify(report))).toEqual(report); // what lighthouse status copies
    expect(states(metrics)).toEqual(only('CONNECTED'));
    expect(metrics.value(REGISTRATIONS)).toBe(2);
    // The first look at a new path reads NONODE before creating: an answer, not a failure.
    for (const operation of SESSION_OPERATIONS)
      expect(metrics.value(FAILURES, { operation })).toBe(0);

    await discovery.publish([{ service: 'web', node: node('host-b', 80) }]);
    expect(discovery.describe().facts).toMatchObject({
      registrations_held: 1,
      registrations_wanted: 1,
    });
    expect(metrics.value(REGISTRATIONS)).toBe(1);
    await discovery.unwatch('api');
    expect(discovery.describe().facts).toMatchObject({ clusters_watched: 1 });

    // Someone deletes our znode: not held until the exists-watch has it re-created.
    const other = await otherClient(zk.connectString);
    const path = `${base}/web/host-b:80`;
    const owner = discovery.session.sessionId;
    await other.delete(path, -1);
    await waitFor(async () => (await other.exists(path))?.ephemeralOwner === owner, {
      what: 'the znode re-created',
    });
    await waitFor(() => metrics.value(REGISTRATIONS) === 1, { what: 'held again' });
    expect(metrics.history(REGISTRATIONS).slice(-3)).toContain(0);
  });

  it('counts the calls ZooKeeper fails, by operation', async () => {
    const metrics = recordingMetrics();
    const base = uniqueBase();
    const { discovery } = discoveryFor({ hosts: [zk.connectString], path: base }, metrics);
    await discovery.connect();
    // The service znode is someone's ephemeral: ZooKeeper refuses children under it.
    const other = await otherClient(zk.connectString);
    await createPath(other, `${base}/web`, '', true);
    await expect(discovery.publish([{ service: 'web', node: node('host-a', 80) }])).rejects.toThrow(
      /create .*host-a:80 failed/,
    );
    expect(metrics.value(FAILURES, { operation: 'create' })).toBeGreaterThanOrEqual(1);
    expect(metrics.value(FAILURES, { operation: 'get' })).toBe(0); // its NONODE is an answer
    expect(discovery.describe().facts).toMatchObject({
      registrations_held: 0,
      registrations_wanted: 1,
    });
    expect(metrics.value(REGISTRATIONS)).toBe(0);
  });

  it('sums the gauges over the open instances of a daemon; a closed one leaves', async () => {
    const metrics = recordingMetrics();
    const base = uniqueBase();
    const config = { hosts: [zk.connectString], path: base };
    const first = discoveryFor(config, metrics).discovery;
    const second = discoveryFor(config, metrics).discovery;
    // The daemon's two gauges are asked for once; each instance asks for the counters (the same
    // metrics: a name asked for twice is one metric).
    expect(metrics.created()).toHaveLength(6);
    expect(states(metrics)).toEqual(only('IDLE', 2));
    await Promise.all([first.connect(), second.connect()]);
    await first.publish([{ service: 'web', node: node('host-a', 80) }]);
    await second.publish([
      { service: 'api', node: node('host-a', 81) },
      { service: 'api', node: node('host-b', 81) },
    ]);
    expect(states(metrics)).toEqual(only('CONNECTED', 2));
    expect(metrics.value(REGISTRATIONS)).toBe(3);

    await first.release();
    expect(metrics.value(REGISTRATIONS)).toBe(2); // its successor holds them from now on
    await first.close();
    expect(first.describe().state).toBe('CLOSED');
    expect(states(metrics)).toEqual(only('CONNECTED', 1));
    await second.close();
    expect(states(metrics)).toEqual(only('CONNECTED', 0));
    expect(metrics.value(REGISTRATIONS)).toBe(0);
  });
});

describe('reconnections', () => {
  let zk: ZooKeeperServer | undefined;
  afterEach(async () => {
    await closeAll();
    await zk?.stop();
    zk = undefined;
  });

  it(
    'counts a resumed session after a ZooKeeper restart, SUSPENDED meanwhile',
    { timeout: 60_000 },
    async () => {
      zk = await startZooKeeper(); // tickTime 2000: a 10 s session outlives a restart
      const metrics = recordingMetrics();
      const base = uniqueBase();
      const { discovery } = discoveryFor({ hosts: [zk.connectString], path: base }, metrics);
      await discovery.connect();
      await discovery.publish([{ service: 'web', node: node('host-a', 80) }]);
      const recorder = new Recorder();
      await discovery.watch('web', recorder.listener);
      const session = discovery.describe().facts?.['session'];

      await zk.restart();
      await waitConnected(discovery, 'the session to resume');

      expect(metrics.value(RECONNECTS, { kind: 'resumed' })).toBe(1);
      expect(metrics.value(RECONNECTS, { kind: 'new' })).toBe(0);
      expect(wasIn(metrics, 'SUSPENDED')).toBe(true);
      expect(states(metrics)).toEqual(only('CONNECTED'));
      // The session kept its znode: held from the first publish on, throughout the restart.
      const held = metrics.history(REGISTRATIONS);
      expect(held.slice(held.indexOf(1))).not.toContain(0);
      expect(discovery.describe()).toMatchObject({
        state: 'CONNECTED',
        facts: {
          session,
          reconnects: 1,
          reconnects_resumed: 1,
          reconnects_new: 0,
          registrations_held: 1,
          registrations_wanted: 1,
          clusters_watched: 1,
        },
      });
    },
  );

  it(
    'counts a new session after the server expired the old one, LOST meanwhile',
    { timeout: 60_000 },
    async () => {
      // As in session.test.ts: tickTime 500 grants a 1 s session; a cut proxy lets it expire.
      zk = await startZooKeeper({ tickTime: 500, minSessionTimeout: 1_000 });
      const server = zk;
      const proxy = await CuttableProxy.start(server.port);
      onTestFinished(() => proxy.close());
      const metrics = recordingMetrics();
      const base = uniqueBase();
      const config = { hosts: [proxy.connectString], path: base, session_timeout: 1 };
      const { discovery } = discoveryFor(config, metrics);
      await discovery.connect();
      await discovery.publish([{ service: 'web', node: node('host-a', 80) }]);
      const old = discovery.session.sessionId ?? expect.unreachable();
      expect(discovery.describe().facts).toMatchObject({ timeout_ms: 1_000 });

      proxy.sever();
      await waitFor(async () => !(await zooKeeperCommand(server.port, 'dump')).includes(old), {
        what: 'the server to expire the session',
        timeoutMs: 10_000,
        intervalMs: 100,
      });
      await waitFor(() => discovery.session.state === 'LOST', { what: 'LOST', timeoutMs: 10_000 });
      proxy.restore();
      await waitConnected(discovery, 'a new session');
      await waitFor(() => discovery.describe().facts?.['registrations_held'] === 1, {
        what: 'the registration re-created on the new session',
        timeoutMs: 10_000,
      });

      expect(metrics.value(RECONNECTS, { kind: 'new' })).toBe(1);
      expect(metrics.value(RECONNECTS, { kind: 'resumed' })).toBe(0);
      expect(wasIn(metrics, 'SUSPENDED')).toBe(true);
      expect(wasIn(metrics, 'LOST')).toBe(true);
      expect(states(metrics)).toEqual(only('CONNECTED'));
      expect(metrics.value(REGISTRATIONS)).toBe(1);
      expect(metrics.history(REGISTRATIONS)).toContain(0); // none held by the fresh session at first
      expect(discovery.describe()).toMatchObject({
        state: 'CONNECTED',
        facts: {
          session: `0x${discovery.session.sessionId}`,
          reconnects: 1,
          reconnects_resumed: 0,
          reconnects_new: 1,
        },
      });
      expect(discovery.session.sessionId).not.toBe(old);
    },
  );
});
