import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { readFile } from 'node:fs/promises';
import {
  freePort,
  startZooKeeper,
  startZooKeeperEnsemble,
  waitFor,
  zooKeeperCommand,
} from '@lighthouse/testing';
import type { ZooKeeperEnsemble, ZooKeeperServer } from '@lighthouse/testing';
import {
  Fleet,
  RequestStream,
  answeredBy,
  createPath,
  httpRequest,
  otherClient,
  owners,
  sleep,
  stopCli,
} from './loop-harness.js';
import type { App, ClusterSpec } from './loop-harness.js';
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

/** The outage of the first outage test: 10 s unless LIGHTHOUSE_LOOP_OUTAGE_MS says otherwise. */
const OUTAGE_MS = Number(process.env['LIGHTHOUSE_LOOP_OUTAGE_MS'] ?? 10_000);

let counter = 0;
/** A fresh ZooKeeper base path, so tests sharing a server never see each other's nodes. */
const uniqueBase = () => `/lighthouse-loop-${process.pid}-${++counter}`;

/** The apps answering `count` sequential requests through HAProxy (failures as "status body"). */
async function answers(port: number, count: number): Promise<string[]> {
  const result: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const { status, body } = await httpRequest(port);
    result.push(status === 200 ? (answeredBy(body) ?? body) : `${status} ${body}`);
  }
  return result;
}

/** Waits until requests through `port` are answered by exactly the apps in `names`. */
async function routedTo(port: number, names: readonly string[], timeoutMs = 15_000) {
  const wanted = [...names].sort();
  await waitFor(
    async () => {
      const seen = [...new Set(await answers(port, names.length * 4))].sort();
      return JSON.stringify(seen) === JSON.stringify(wanted);
    },
    { timeoutMs, intervalMs: 50, what: `HAProxy to route to exactly ${wanted.join(', ')}` },
  );
}

/** Starts an app with its own reporter registering it in `service`. */
async function appWithReporter(fleet: Fleet, name: string, service: string): Promise<App> {
  const app = await fleet.app(name);
  await fleet.reporter(name, service, [app.port]);
  return app;
}

/** Writes the writer config for one cluster on a free frontend port and starts the writer. */
async function startWriter(fleet: Fleet, name: string): Promise<ClusterSpec> {
  const cluster = { name, port: await freePort() };
  await fleet.writerConfig([cluster]);
  fleet.startWriter();
  return cluster;
}

/**
 * The writer still follows membership after a disturbance: the last app fails its check and
 * leaves the rotation. (Before the fix in haproxy-balancer's clean-exec.ts, a daemonized HAProxy
 * inherited the writer's ZooKeeper socket and the writer never reconnected after an outage.)
 */
async function convergesAfter(fleet: Fleet, backend: string, apps: readonly App[]): Promise<void> {
  const failing = apps.at(-1) ?? expect.unreachable();
  const before = (await fleet.upPorts(backend)).length;
  await fetch(`http://127.0.0.1:${failing.port}/fail`, { method: 'POST' });
  await waitFor(async () => !(await fleet.upPorts(backend)).includes(failing.port), {
    timeoutMs: 15_000,
    what: 'the writer to drop the failing app',
  });
  expect((await fleet.upPorts(backend)).length).toBe(before - 1);
}

/** Whether a ZooKeeper server answers `ruok` on `port`. */
const zooKeeperAnswers = async (port: number) =>
  (await zooKeeperCommand(port, 'ruok', 500).catch(() => '')) === 'imok';

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

  async function newFleet(sessionTimeout = 4): Promise<Fleet> {
    const fleet = await Fleet.create({
      connectString: zookeeper.connectString,
      base: uniqueBase(),
      sessionTimeout,
    });
    fleets.push(fleet);
    onTestFailed(() => console.error(fleet.logs()));
    return fleet;
  }

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

  async function newFleet(sessionTimeout: number): Promise<Fleet> {
    const fleet = await Fleet.create({
      connectString: zookeeper.connectString,
      base: uniqueBase(),
      sessionTimeout,
    });
    fleets.push(fleet);
    onTestFailed(() => console.error(fleet.logs()));
    return fleet;
  }

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
    const fleet = await Fleet.create({
      connectString: ensemble.connectString,
      base: uniqueBase(),
      sessionTimeout: 4,
    });
    fleets.push(fleet);
    onTestFailed(() => console.error(fleet.logs()));
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
