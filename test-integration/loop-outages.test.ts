import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startZooKeeper, startZooKeeperEnsemble, waitFor } from '@lighthouse/testing';
import type { ZooKeeperEnsemble, ZooKeeperServer } from '@lighthouse/testing';
import { RequestStream, owners, sleep, stopCli } from './loop-harness.js';
import type { Fleet } from './loop-harness.js';
import {
  appWithReporter,
  convergesAfter,
  routedTo,
  startWriter,
  zooKeeperAnswers,
  fleetOn,
} from './loop-steps.js';
import { watchCluster } from './support.js';

/**
 * The whole loop through ZooKeeper outages, expiry and a leader failover, with real processes: demo apps, `lighthouse reporter`, a real ZooKeeper,
 * `lighthouse writer` and the HAProxy it starts. Assertions are made on what HAProxy does
 * (traffic through its frontend, `show servers state` on its admin socket).
 */

/** The outage of the first outage test: 10 s unless LIGHTHOUSE_LOOP_OUTAGE_MS says otherwise. */
const OUTAGE_MS = Number(process.env['LIGHTHOUSE_LOOP_OUTAGE_MS'] ?? 10_000);
describe('the loop across ZooKeeper outages', () => {
  let zookeeper: ZooKeeperServer;
  const fleets: Fleet[] = [];
  const streams: RequestStream[] = [];
  beforeAll(async () => {
    // Short ticks so that a 4 s session is allowed (sessions are clamped to [2, 20] ticks by
    // default; the max is raised for the long sessions of the first test).
    zookeeper = await startZooKeeper({
      tickTime: 500,
      minSessionTimeout: 1_000,
      maxSessionTimeout: OUTAGE_MS + 20_000,
    });
  });
  afterEach(async () => {
    for (const stream of streams.splice(0)) await stream.stop();
    // A failed test may leave ZooKeeper stopped: the next one needs it.
    await waitFor(async () => (await zooKeeperAnswers(zookeeper.port)) || undefined, {
      timeoutMs: 100,
    }).catch(() => zookeeper.restart());
    for (const fleet of fleets.splice(0)) await fleet.stop();
  });
  afterAll(async () => {
    await zookeeper?.stop();
  });

  const newFleet = (sessionTimeout: number) =>
    fleetOn(zookeeper.connectString, sessionTimeout, fleets);

  /** A writer for `cluster` and two apps with their reporters, routed to both. */
  async function loop(sessionTimeout: number, name: string) {
    const fleet = await newFleet(sessionTimeout);
    const cluster = await startWriter(fleet, name);
    const apps = [
      await appWithReporter(fleet, `${name}-1`, name),
      await appWithReporter(fleet, `${name}-2`, name),
    ];
    await routedTo(cluster.port, [`${name}-1`, `${name}-2`]);
    const znodes = apps.map((app) => `${fleet.configBase}/${name}/${app.name}:${app.port}`);
    return { fleet, cluster, apps, znodes };
  }

  it(
    `serves every request through a ${OUTAGE_MS / 1_000} s outage shorter than the session timeout`,
    async () => {
      // The issue says 30 s; 10 s keeps the suite fast (LIGHTHOUSE_LOOP_OUTAGE_MS=30000 runs the
      // issue's variant). Sessions 5 s longer than the outage outlive it, so the registrations must
      // still be there, same owner.
      const { fleet, cluster, apps, znodes } = await loop(OUTAGE_MS / 1_000 + 5, 'outage');
      const before = await owners(zookeeper.connectString, znodes);
      const stream = new RequestStream(cluster.port);
      streams.push(stream);
      zookeeper.kill('SIGTERM');
      await sleep(OUTAGE_MS); // the outage itself: time has to pass
      await zookeeper.restart();
      await waitFor(
        async () =>
          JSON.stringify(await owners(zookeeper.connectString, znodes)) === JSON.stringify(before),
        { timeoutMs: 15_000, what: 'the registrations of the same sessions after the outage' },
      );
      await routedTo(cluster.port, ['outage-1', 'outage-2']);
      await convergesAfter(fleet, 'outage', apps);
      await stream.stop();
      console.info(`${stream.total} requests, ${stream.failures.length} failed`);
      expect(stream.failures).toEqual([]);
      expect(stream.ok).toBeGreaterThan(50);
      expect(stream.answers.get('outage-1')).toBeGreaterThan(10);
    },
    OUTAGE_MS + 35_000,
  );

  it('keeps every registration through an outage longer than the session timeout, then converges', async () => {
    const { fleet, cluster, apps, znodes } = await loop(4, 'expiry');
    const stream = new RequestStream(cluster.port);
    streams.push(stream);
    zookeeper.kill('SIGTERM');
    // Longer than the 4 s session timeout. ZooKeeper does not count its own downtime against
    // sessions, so the daemons (which keep trying the ensemble) resume them; a session the server
    // did expire would be replaced and everything registered again. Either way every znode must
    // be back, and no request may fail meanwhile.
    await sleep(6_000);
    await zookeeper.restart();
    const after = await waitFor(
      async () => {
        const now = await owners(zookeeper.connectString, znodes);
        return now.every((owner) => owner !== undefined && owner !== '') && now;
      },
      { timeoutMs: 20_000, intervalMs: 200, what: 'every registration after the outage' },
    );
    expect(after).toHaveLength(2);
    expect(await fleet.upPorts('expiry')).toEqual(
      apps.map((app) => app.port).sort((a, b) => a - b),
    );
    await routedTo(cluster.port, ['expiry-1', 'expiry-2']);
    await convergesAfter(fleet, 'expiry', apps);
    await stream.stop();
    console.info(`${stream.total} requests, ${stream.failures.length} failed`);
    expect(stream.failures).toEqual([]);
    expect(stream.answers.get('expiry-2')).toBeGreaterThan(10);
  }, 60_000);

  it('keeps the last known members when the writer starts while ZooKeeper is down', async () => {
    const { fleet, cluster } = await loop(4, 'cold');
    const haproxy = await fleet.haproxyPid();
    expect(haproxy).toBeDefined();
    expect(await stopCli(fleet.writer ?? expect.unreachable(), 'SIGTERM')).toBe(0);
    expect(await fleet.haproxyPid()).toBe(haproxy); // HAProxy outlives the writer
    const stream = new RequestStream(cluster.port);
    streams.push(stream);
    zookeeper.kill('SIGTERM');
    await waitFor(async () => !(await zooKeeperAnswers(zookeeper.port)), {
      what: 'ZooKeeper down',
    });
    const writer = fleet.startWriter();
    await waitFor(() => writer.output().includes('writer started'), {
      timeoutMs: 15_000,
      what: 'the writer to start without ZooKeeper',
    });
    // Let the started writer run its first syncs with no discovery (1.0 emptied backends here).
    await sleep(3_000);
    expect(writer.child.exitCode).toBeNull();
    expect(await fleet.upPorts('cold')).toEqual(
      fleet.apps.map((app) => app.port).sort((a, b) => a - b),
    );
    const during = stream.failures.length;
    await zookeeper.restart();
    // Membership converges from ZooKeeper again: a failing app leaves, a recovered one returns.
    await fleet.apps[0]?.post('/fail');
    await routedTo(cluster.port, ['cold-2'], 20_000);
    await fleet.apps[0]?.post('/recover');
    await routedTo(cluster.port, ['cold-1', 'cold-2'], 20_000);
    await stream.stop();
    console.info(`${stream.total} requests, ${stream.failures.length} failed`);
    expect(during).toBe(0);
    expect(stream.failures).toEqual([]);
  }, 45_000);
});

describe('the loop on a 3-node ZooKeeper ensemble', () => {
  let ensemble: ZooKeeperEnsemble;
  const fleets: Fleet[] = [];
  const streams: RequestStream[] = [];
  beforeAll(async () => {
    ensemble = await startZooKeeperEnsemble(3, { tickTime: 500, minSessionTimeout: 1_000 });
  });
  afterEach(async () => {
    for (const stream of streams.splice(0)) await stream.stop();
    for (const fleet of fleets.splice(0)) await fleet.stop();
  });
  afterAll(async () => {
    await ensemble?.stop();
  });

  it('loses no member and no request when the leader is killed', async () => {
    const fleet = await fleetOn(ensemble.connectString, 4, fleets);
    const cluster = await startWriter(fleet, 'quorum');
    const apps = [
      await appWithReporter(fleet, 'quorum-1', 'quorum'),
      await appWithReporter(fleet, 'quorum-2', 'quorum'),
      await appWithReporter(fleet, 'quorum-3', 'quorum'),
    ];
    const ports = apps.map((app) => app.port).sort((a, b) => a - b);
    await routedTo(cluster.port, ['quorum-1', 'quorum-2', 'quorum-3']);
    const watcher = await watchCluster(ensemble.connectString, fleet.configBase, 'quorum');
    const smallest = { watched: 3, haproxy: 3 };
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        smallest.watched = Math.min(smallest.watched, watcher.nodes()?.length ?? 0);
        const up = await fleet.upPorts('quorum').catch(() => ports);
        smallest.haproxy = Math.min(smallest.haproxy, up.length);
        await sleep(50); // sampling period
      }
    })();
    const stream = new RequestStream(cluster.port);
    streams.push(stream);
    const leader = await ensemble.leader();
    leader.kill('SIGKILL');
    await waitFor(
      async () => {
        const next = await ensemble.leader();
        return next.id !== leader.id;
      },
      { timeoutMs: 30_000, what: 'a new leader' },
    );
    // Longer than the 4 s session timeout: a session lost in the election would show by now.
    await sleep(5_000);
    await routedTo(cluster.port, ['quorum-1', 'quorum-2', 'quorum-3']);
    sampling = false;
    await sampler;
    await watcher.close();
    await stream.stop();
    console.info(`${stream.total} requests, ${stream.failures.length} failed`);
    expect(stream.failures).toEqual([]);
    expect(smallest).toEqual({ watched: 3, haproxy: 3 });
    await convergesAfter(fleet, 'quorum', apps);
  }, 60_000);
});
