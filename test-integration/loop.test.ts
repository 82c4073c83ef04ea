import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { startZooKeeper, waitFor } from '@lighthouse/testing';
import type { ZooKeeperServer } from '@lighthouse/testing';
import type { Fleet } from './loop-harness.js';
import {
  RequestStream,
  answeredBy,
  createPath,
  httpRequest,
  otherClient,
  owners,
  stopCli,
} from './loop-harness.js';
import { appWithReporter, fleetOn, routedTo, startWriter } from './loop-steps.js';
import { watchCluster } from './support.js';

/**
 * The whole loop through real processes: demo apps, `lighthouse reporter`, a real ZooKeeper,
 * `lighthouse writer` and the HAProxy it starts. Assertions are made on what HAProxy does
 * (traffic through its frontend, `show servers state` on its admin socket).
 */

const fixture = new URL(
  '../packages/zookeeper-discovery/test/fixtures/lighthouse-1.0-node.txt',
  import.meta.url,
);

describe('the loop with a steady ZooKeeper', () => {
  let zookeeper: ZooKeeperServer;
  const fleets: Fleet[] = [];
  const cleanups: (() => Promise<unknown>)[] = [];
  beforeAll(async () => {
    zookeeper = await startZooKeeper();
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
    for (const fleet of fleets.splice(0)) await fleet.stop();
  });
  afterAll(async () => {
    await zookeeper?.stop();
  });

  const newFleet = (sessionTimeout = 4) => fleetOn(zookeeper.connectString, sessionTimeout, fleets);

  it('routes to a service once healthy, stops when it fails its check, resumes when it recovers', async () => {
    const fleet = await newFleet();
    const cluster = await startWriter(fleet, 'webapp');
    const [first] = [
      await appWithReporter(fleet, 'app-1', 'webapp'),
      await appWithReporter(fleet, 'app-2', 'webapp'),
    ];
    await routedTo(cluster.port, ['app-1', 'app-2']);
    const stream = new RequestStream(cluster.port);
    cleanups.push(() => stream.stop());
    await first?.post('/fail');
    await routedTo(cluster.port, ['app-2']);
    await first?.post('/recover');
    await routedTo(cluster.port, ['app-1', 'app-2']);
    await stream.stop();
    console.info(`${stream.total} requests, ${stream.failures.length} failed`);
    // app-1 still answers `/` while failing its check: no request may fail during the changes.
    expect(stream.failures).toEqual([]);
    expect(stream.ok).toBeGreaterThan(10);
  });

  it('shows one HAProxy server per port of a multi-port service', async () => {
    const fleet = await newFleet();
    const cluster = await startWriter(fleet, 'multi');
    const apps = [await fleet.app('port-a'), await fleet.app('port-b'), await fleet.app('port-c')];
    const ports = apps.map((app) => app.port).sort((a, b) => a - b);
    await fleet.reporter('multi-host', 'multi', ports);
    await waitFor(async () => (await fleet.upPorts('multi').catch(() => [])).length === 3, {
      timeoutMs: 15_000,
      what: 'three servers up in backend multi',
    });
    const servers = await fleet.servers('multi');
    expect(servers.map((server) => server.port).sort((a, b) => a - b)).toEqual(ports);
    expect(new Set(servers.map((server) => server.server)).size).toBe(3);
    await routedTo(cluster.port, ['port-a', 'port-b', 'port-c']);
  });

  it('routes a node of a new cluster path within 2 s of its registration (no polling)', async () => {
    const fleet = await newFleet();
    const cluster = await startWriter(fleet, 'fresh');
    const watcher = await watchCluster(zookeeper.connectString, fleet.configBase, 'fresh');
    cleanups.push(() => watcher.close());
    // The writer runs with an empty backend for a cluster whose znode does not exist yet.
    await waitFor(async () => (await fleet.servers('fresh').catch(() => undefined)) !== undefined, {
      timeoutMs: 15_000,
      what: 'HAProxy to run backend fresh',
    });
    expect((await httpRequest(cluster.port)).status).toBe(503);
    // Idle long enough that a 1.0-style 2 s poll of the missing path would be mid-cycle.
    const app = await fleet.app('newcomer');
    await fleet.reporter('newcomer', 'fresh', [app.port]);
    let registeredAt: number | undefined;
    let routedAt: number | undefined;
    await waitFor(
      async () => {
        if (registeredAt === undefined && watcher.nodes()?.length === 1) registeredAt = Date.now();
        if (routedAt === undefined && answeredBy((await httpRequest(cluster.port)).body))
          routedAt = Date.now();
        return registeredAt !== undefined && routedAt !== undefined;
      },
      { timeoutMs: 20_000, intervalMs: 5, what: 'registration and routing of the newcomer' },
    );
    const latency = (routedAt ?? 0) - (registeredAt ?? 0);
    console.info(`new cluster: routed ${latency} ms after the znode was seen`);
    // Measured from the moment an independent watcher saw the znode (itself a few ms late).
    expect(latency).toBeLessThan(2_000);
  }, 30_000);

  it('removes a SIGTERMed reporter at once and a SIGKILLed one after the session timeout', async () => {
    const fleet = await newFleet(4);
    const cluster = await startWriter(fleet, 'stops');
    const stable = await appWithReporter(fleet, 'stable', 'stops');
    const gentle = await fleet.app('gentle');
    const gentleReporter = await fleet.reporter('gentle', 'stops', [gentle.port]);
    const brutal = await fleet.app('brutal');
    const brutalReporter = await fleet.reporter('brutal', 'stops', [brutal.port]);
    const all = [stable.port, gentle.port, brutal.port].sort((a, b) => a - b);
    await waitFor(
      async () =>
        JSON.stringify(await fleet.upPorts('stops').catch(() => [])) === JSON.stringify(all),
      { timeoutMs: 15_000, what: 'three servers up' },
    );
    const gone = (port: number) => async () =>
      !(await fleet.servers('stops')).some((server) => server.port === port);

    const termAt = Date.now();
    expect(await stopCli(gentleReporter, 'SIGTERM')).toBe(0);
    await waitFor(gone(gentle.port), { timeoutMs: 4_000, what: 'removal after SIGTERM' });
    const afterTerm = Date.now() - termAt;

    const killAt = Date.now();
    await brutalReporter.stop('SIGKILL');
    await waitFor(gone(brutal.port), { timeoutMs: 20_000, what: 'removal after SIGKILL' });
    const afterKill = Date.now() - killAt;

    console.info(
      `removed from HAProxy ${afterTerm} ms after SIGTERM, ${afterKill} ms after SIGKILL`,
    );
    // SIGTERM deregisters before exiting: well under one session timeout (4 s).
    expect(afterTerm).toBeLessThan(1_500);
    // SIGKILL: the znode lives until ZooKeeper expires the 4 s session, then the writer reacts.
    expect(afterKill).toBeGreaterThanOrEqual(3_000);
    expect(afterKill).toBeLessThan(12_000);
    await routedTo(cluster.port, ['stable']);
  });

  it('re-registers a reporter whose session the server expired, under a new session', async () => {
    const fleet = await newFleet(4);
    const cluster = await startWriter(fleet, 'frozen');
    await appWithReporter(fleet, 'steady', 'frozen');
    const frozen = await fleet.app('frozen');
    const frozenReporter = await fleet.reporter('frozen', 'frozen', [frozen.port]);
    await routedTo(cluster.port, ['steady', 'frozen']);
    const znode = `${fleet.configBase}/frozen/frozen:${frozen.port}`;
    const [owner] = await owners(zookeeper.connectString, [znode]);
    const stream = new RequestStream(cluster.port);
    try {
      // A reporter that stops answering (GC pause, frozen VM) longer than its 4 s session: the
      // server expires the session and its znode; the writer drops the node; the other keeps serving.
      frozenReporter.child.kill('SIGSTOP');
      await waitFor(async () => !(await fleet.upPorts('frozen')).includes(frozen.port), {
        timeoutMs: 15_000,
        what: 'the expired node to leave HAProxy',
      });
      frozenReporter.child.kill('SIGCONT');
      // Resumed, the reporter learns the session expired, opens a new one and registers again.
      const [renewed] = await waitFor(
        async () => {
          const now = await owners(zookeeper.connectString, [znode]);
          return now[0] !== owner && now;
        },
        { timeoutMs: 20_000, intervalMs: 200, what: 're-registration under a new session' },
      );
      expect(renewed).not.toBe(owner);
      await routedTo(cluster.port, ['steady', 'frozen']);
    } finally {
      await stream.stop();
    }
    expect(stream.failures).toEqual([]);
    expect(stream.answers.get('steady')).toBeGreaterThan(10);
  }, 60_000);

  it('routes a node written in lighthouse 1.0 format; its payloads decode by the 1.0 rules', async () => {
    const fleet = await newFleet();
    const cluster = await startWriter(fleet, 'mixed');
    const legacyApp = await fleet.app('legacy');
    const client = await otherClient(zookeeper.connectString);
    cleanups.push(() => client.close());
    // The fixture's exact bytes, with the port swapped for the legacy app's.
    const legacy = (await readFile(fixture, 'utf8')).replace('28101', String(legacyApp.port));
    await createPath(client, `${fleet.configBase}/mixed/localhost:${legacyApp.port}`, legacy);
    await routedTo(cluster.port, ['legacy']);
    const ours = await appWithReporter(fleet, 'modern', 'mixed');
    await routedTo(cluster.port, ['legacy', 'modern']);

    // What 1.0 does with our payload: json.loads, then json.loads(metadata) (a JSON string).
    const { data } = await client.get(`${fleet.configBase}/mixed/modern:${ours.port}`);
    const raw = data.toString('utf8');
    const payload = JSON.parse(raw) as Record<string, unknown>;
    expect(Object.keys(payload)).toEqual(Object.keys(payload).sort());
    expect(payload).toMatchObject({ host: 'modern', ip: '127.0.0.1', port: ours.port });
    expect(typeof payload['metadata']).toBe('string');
    expect(JSON.parse(String(payload['metadata']))).toEqual({});
    if ('peer' in payload) expect(typeof payload['peer']).toBe('string');
  });
});
