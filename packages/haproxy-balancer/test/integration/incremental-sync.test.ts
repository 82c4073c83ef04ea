import { readFile } from 'node:fs/promises';
import { encodeNode } from '@lighthouse/core';
import type { Balancer, ClusterState, Node } from '@lighthouse/core';
import { freePort, recordingMetrics, waitFor } from '@lighthouse/testing';
import type { RecordingMetrics } from '@lighthouse/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MockInstance } from 'vitest';
import { balancerPaths, createBalancer } from '../../src/balancer.js';
import { desiredState } from '../../src/desired.js';
import { cacheText, loadCache } from '../../src/outage-cache.js';
import { HAProxyProcess } from '../../src/process/haproxy-process.js';
import { isOurHAProxy, readPidFile } from '../../src/process/pid.js';
import { renderConfig } from '../../src/render.js';
import type { RuntimeCommand } from '../../src/runtime/commands.js';
import { MasterCli } from '../../src/runtime/master-cli.js';
import { RuntimeApi } from '../../src/runtime/runtime-api.js';
import { AdminFlags } from '../../src/runtime/show-parsers.js';
import type { HAProxyClusterConfig } from '../../src/schema.js';
import {
  bodies,
  cluster,
  createFixture,
  get,
  recordingLogger,
  haproxyProcessesIn,
  requireHAProxy,
  startBackends,
  startHangingBackend,
} from './harness.js';
import type { Fixture, HangingBackend, NamedBackend, RecordingLogger } from './harness.js';

/**
 * Incremental sync against a real HAProxy (issue 10): a sync that changes one cluster reads and
 * plans that cluster's backend only (no reload, and the file and outage cache are what a full
 * render gives); what an operator changed in another backend is left to the next sync that
 * looks at everything — the safety-net sync with unchanged inputs, or the first sync after
 * HAProxy was restarted behind the writer's back. What earlier batches left behind in the other
 * backends (a pending removal, a server held in an operator's state) survives a scoped sync.
 *
 * The clusters follow the Balancer contract: an unchanged cluster is handed with the very same
 * objects, a changed one with new ones.
 */

type Cluster = ClusterState<HAProxyClusterConfig>;

let fixture: Fixture;
let balancer: Balancer<HAProxyClusterConfig>;
let log: RecordingLogger;
let metrics: RecordingMetrics;
let members: Record<'a1' | 'a2' | 'b1' | 'b2', NamedBackend>;
let named: NamedBackend[];
let hanging: HangingBackend;
const ports = { alpha: 0, beta: 0, gamma: 0 };

/**
 * The topology as the writer hands it: one cluster object per name, replaced only when that
 * cluster changes (`change`), the others kept as they are.
 */
const topology = new Map<string, Cluster>();
const clusters = (): Cluster[] => [...topology.values()];
function change(name: string, nodes: readonly Node[]): Cluster[] {
  const current = topology.get(name);
  if (current === undefined) throw new Error(`no cluster ${name}`);
  topology.set(name, { ...current, nodes });
  return clusters();
}

const serverName = (node: Node) => `${node.host}:${node.port}`;
const withWeight = (node: Node, weight: number): Node => ({ ...node, metadata: { weight } });

/** The `show servers state` rows of a backend, by server name. */
async function servers(backend: string) {
  return new Map((await fixture.servers(backend)).map((server) => [server.server, server]));
}
const weightOf = async (backend: string, node: Node) =>
  (await servers(backend)).get(serverName(node))?.weight;

/**
 * The text of `path` once it is `expected`, or what it holds at the deadline: the balancer writes
 * its files in the background, after sync has returned.
 */
async function settledText(path: string, expected: string): Promise<string> {
  let text = '';
  const read = async () => (text = await readFile(path, 'utf8').catch(() => '')) === expected;
  await waitFor(read, { what: `${path} to be written`, intervalMs: 10 }).catch(() => undefined);
  return text;
}

/** What an operator types on the admin socket. */
function operator(commands: RuntimeCommand[]) {
  fixture.runtime.reset();
  return fixture.runtime.execute(commands);
}

/**
 * The balancer's reads of HAProxy's servers during a call: `all` for a `show servers state` of
 * every backend, else the backends read one by one. The fixture's own reads are not counted.
 */
let reads: MockInstance<RuntimeApi['workerAndServers']>;
function balancerReads(): string[] {
  const ours = (context: unknown) => context !== fixture.runtime;
  return reads.mock.calls
    .filter((_, index) => ours(reads.mock.contexts[index]))
    .flatMap(([backends]) => backends ?? ['all']);
}
async function sync(topologyNow: Cluster[]): Promise<string[]> {
  reads.mockClear();
  await balancer.sync(topologyNow);
  return balancerReads();
}

/** The runtime batches the balancer sent so far (logged at debug), as command lines. */
const batches = () =>
  log.lines
    .filter((line) => line.message === 'HAProxy runtime batch')
    .map((line) => line.fields['commands'] as string[]);

/** Every haproxy process whose command line names a file in this test's temp dir. */
const ourHAProxies = () => haproxyProcessesIn(fixture.dir.dir);

beforeAll(async () => {
  requireHAProxy();
  named = await startBackends(['a1', 'a2', 'b1', 'b2']);
  const [a1, a2, b1, b2] = named as [NamedBackend, NamedBackend, NamedBackend, NamedBackend];
  members = { a1, a2, b1, b2 };
  hanging = await startHangingBackend('hang');
  ports.alpha = await freePort();
  ports.beta = await freePort();
  ports.gamma = await freePort();
  fixture = await createFixture({ removal_timeout: 60 });
  log = recordingLogger();
  metrics = recordingMetrics();
  balancer = await createBalancer(fixture.config, log, metrics);
  topology.set('alpha', cluster('alpha', { port: ports.alpha }, [a1.node]));
  topology.set('beta', cluster('beta', { port: ports.beta }, [b1.node, b2.node]));
  topology.set('gamma', cluster('gamma', { port: ports.gamma }, [hanging.node]));
  reads = vi.spyOn(RuntimeApi.prototype, 'workerAndServers');
  await balancer.sync(clusters());
});

afterAll(async () => {
  vi.restoreAllMocks();
  await balancer?.close?.();
  if (fixture !== undefined) {
    await fixture.cleanup().catch(() => undefined);
    // Whatever is left of this test's HAProxy (the replaced master, should it linger): by PID.
    for (const pid of await ourHAProxies()) process.kill(pid, 'SIGTERM');
    await waitFor(async () => (await ourHAProxies()).length === 0, { what: 'HAProxy to exit' });
  }
  await hanging?.close();
  for (const backend of named ?? []) await backend.close();
});

let reloadsBefore = 0;
beforeEach(async () => {
  reloadsBefore = await fixture.reloads();
});
afterEach(async () => {
  // No test here may reload: every change converges at runtime.
  expect(await fixture.reloads()).toBe(reloadsBefore);
});

describe('incremental sync', () => {
  it('applies a membership change at runtime, reading the changed backend only', async () => {
    const batchesBefore = batches().length;
    const reads = await sync(change('alpha', [members.a1.node, members.a2.node]));
    expect(reads).toEqual(['alpha']);
    expect([...(await servers('alpha')).keys()].sort()).toEqual(
      [serverName(members.a1.node), serverName(members.a2.node)].sort(),
    );
    expect(new Set(await bodies(ports.alpha, 4))).toEqual(new Set(['a1', 'a2']));
    // One batch, about alpha alone.
    const sent = batches().slice(batchesBefore);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.every((line) => / alpha\//.test(line))).toBe(true);
  });

  it('leaves the file and the outage cache as a full render without memo gives them', async () => {
    await sync(change('alpha', [withWeight(members.a1.node, 3), members.a2.node]));
    const now = clusters();
    const fresh = renderConfig(fixture.config, now);
    const onDisk = await settledText(fixture.config.config_file, fresh.text);
    expect(onDisk).toBe(fresh.text);
    expect(onDisk).toContain(`server ${serverName(members.a1.node)} 127.0.0.1:`);

    const desired = desiredState(fixture.config, now, { dynamicServers: true });
    const cacheFile = balancerPaths(fixture.config).cacheFile;
    const expected = cacheText({
      hash: desired.render.hash,
      structure: desired.structure,
      peers: desired.peers,
      clusters: new Map(now.map((c) => [c.name, c.nodes])),
    });
    const written = await settledText(cacheFile, expected);
    expect(written).toBe(expected);
    // The same JSON as the one-object-per-line layout of earlier writers, built independently.
    expect(JSON.parse(written)).toEqual({
      version: 1,
      hash: fresh.hash,
      structure: desired.structure,
      peers: desired.peers,
      clusters: Object.fromEntries(now.map((c) => [c.name, c.nodes.map(encodeNode)])),
    });
    const cache = await loadCache(cacheFile, log);
    expect(cache?.hash).toBe(fresh.hash);
    expect(cache?.clusters.get('alpha')).toEqual(topology.get('alpha')?.nodes);
    expect(await weightOf('alpha', members.a1.node)).toBe(3);
  });

  it('leaves an untouched backend’s drift to the next sync with unchanged inputs', async () => {
    const { b1, b2 } = members;
    // An operator's drift in beta: a weight, and a server deleted behind the writer's back.
    await operator([
      { op: 'set-weight', backend: 'beta', server: serverName(b1.node), weight: 7 },
      { op: 'set-state', backend: 'beta', server: serverName(b2.node), state: 'maint' },
      { op: 'del-server', backend: 'beta', server: serverName(b2.node) },
    ]);
    expect(await weightOf('beta', b1.node)).toBe(7);
    expect((await servers('beta')).has(serverName(b2.node))).toBe(false);

    // A sync that changes alpha only: alpha converges, beta is neither read nor touched.
    const scoped = await sync(change('alpha', [members.a1.node, members.a2.node]));
    expect(scoped).toEqual(['alpha']);
    expect(await weightOf('alpha', members.a1.node)).toBe(1);
    expect(await weightOf('beta', b1.node)).toBe(7);
    expect((await servers('beta')).has(serverName(b2.node))).toBe(false);

    // The writer's safety net: the same objects again. Every backend is read and converged.
    const full = await sync(clusters());
    expect(full).toEqual(['all']);
    expect(await weightOf('beta', b1.node)).toBe(1);
    const b2Now = (await servers('beta')).get(serverName(b2.node));
    expect(b2Now?.adminState).toBe(0);
    expect(new Set(await bodies(ports.beta, 4))).toEqual(new Set(['b1', 'b2']));
  });

  it('keeps a server an operator holds in another backend held across a scoped sync', async () => {
    const b2 = serverName(members.b2.node);
    const id = `beta/${b2}`;
    const held = () => metrics.value('lighthouse_haproxy_operator_held_servers');
    const lifted = () =>
      log.matching('info', 'operator state lifted').filter((l) => l.fields['server'] === id);
    await operator([{ op: 'set-state', backend: 'beta', server: b2, state: 'drain' }]);
    await sync(clusters()); // unchanged inputs: a full sync, which sees the hold
    expect(held()).toBe(1);
    expect(
      log.matching('warn', 'leaving a server in the state an operator set').at(-1)?.fields[
        'server'
      ],
    ).toBe(id);

    expect(await sync(change('alpha', [members.a1.node]))).toEqual(['alpha']);
    expect(held()).toBe(1);
    expect(lifted()).toEqual([]);
    expect((await servers('beta')).get(b2)?.adminState).toBe(AdminFlags.forcedDrain);
    const report = await balancer.describe?.();
    const member = report?.clusters
      .find((c) => c.name === 'beta')
      ?.members.find((m) => m.name === b2);
    expect(member).toMatchObject({ state: 'drain', setBy: 'operator' });

    // Lifted by the operator: the next full sync says so.
    await operator([{ op: 'set-state', backend: 'beta', server: b2, state: 'ready' }]);
    await sync(clusters());
    expect(held()).toBe(0);
    expect(lifted()).toHaveLength(1);
  });

  it('keeps a removal pending in another backend across a scoped sync', async () => {
    const pending = () => metrics.value('lighthouse_haproxy_pending_removals');
    const hang = serverName(hanging.node);
    const request = get(ports.gamma, '/forever').catch((error: unknown) => error);
    await waitFor(() => hanging.open() > 0, { what: 'the connection to reach the backend' });

    // gamma loses its member while a connection is open: maint at once, deletion pending.
    expect(await sync(change('gamma', []))).toEqual(['gamma']);
    const waiting = (await servers('gamma')).get(hang);
    expect((waiting?.adminState ?? 0) & AdminFlags.forcedMaint).toBe(AdminFlags.forcedMaint);
    expect(pending()).toBe(1);

    // A sync of alpha alone must not forget gamma's pending removal...
    expect(await sync(change('alpha', [members.a1.node, members.a2.node]))).toEqual(['alpha']);
    expect(pending()).toBe(1);
    expect((await balancer.describe?.())?.facts?.['pending_removals']).toBe(1);

    // ...so once the connection ends, the removal timer deletes the server, without a sync.
    await hanging.close();
    await request;
    await waitFor(async () => !(await servers('gamma')).has(hang), {
      what: 'the removed server to be deleted by the retry timer',
      timeoutMs: 10_000,
      intervalMs: 50,
    });
    expect(pending()).toBe(0);

    // The emptied backend takes a member again in a scoped sync (no row for it to read).
    expect(await sync(change('gamma', [members.a1.node]))).toEqual(['gamma']);
    expect([...(await servers('gamma')).keys()]).toEqual([serverName(members.a1.node)]);
    expect(await bodies(ports.gamma, 2)).toEqual(['a1', 'a1']);
  });

  it('reads every backend at the first change after a failed sync', async () => {
    const alpha = topology.get('alpha')!;
    const b1 = serverName(members.b1.node);
    // A section haproxy -c refuses: the sync fails before any reload.
    const refused = { ...alpha.config, backend: ['balance nonsense'] };
    topology.set('alpha', { ...alpha, config: refused });
    await expect(balancer.sync(clusters())).rejects.toThrow(/haproxy -c refused/);
    topology.set('alpha', alpha);

    // Drift in beta, then alpha's members change (its section is the last good one again).
    await operator([{ op: 'set-weight', backend: 'beta', server: b1, weight: 7 }]);
    expect(await sync(change('alpha', [members.a1.node, members.a2.node]))).toEqual(['all']);
    expect(await weightOf('beta', members.b1.node)).toBe(1);
    expect(new Set(await bodies(ports.alpha, 4))).toEqual(new Set(['a1', 'a2']));
  });

  it('reads the changed backends alone, several in one sync', async () => {
    const { a1, a2, b1, b2 } = members;
    await operator([
      { op: 'set-weight', backend: 'gamma', server: serverName(a1.node), weight: 7 },
    ]);
    change('alpha', [a1.node]);
    const reads = await sync(change('beta', [withWeight(b1.node, 2), b2.node]));
    expect(reads.sort()).toEqual(['alpha', 'beta']);
    expect([...(await servers('alpha')).keys()]).toEqual([serverName(a1.node)]);
    expect(await weightOf('beta', b1.node)).toBe(2);
    expect(await weightOf('gamma', a1.node)).toBe(7);
    expect(await sync(clusters())).toEqual(['all']);
    expect(await weightOf('gamma', a1.node)).toBe(1);
    change('alpha', [a1.node, a2.node]);
    expect((await sync(change('beta', [b1.node, b2.node]))).sort()).toEqual(['alpha', 'beta']);
    expect(await weightOf('beta', b1.node)).toBe(1);
  });

  it('reads every backend once the last full read is a minute old, even while changes come', async () => {
    const b1 = serverName(members.b1.node);
    await operator([{ op: 'set-weight', backend: 'beta', server: b1, weight: 7 }]);
    // The clock a minute on (the last full read was moments ago): no waiting in a test.
    const realNow = Date.now.bind(Date);
    const clock = vi.spyOn(Date, 'now').mockImplementation(() => realNow() + 61_000);
    try {
      expect(await sync(change('alpha', [members.a1.node]))).toEqual(['all']);
    } finally {
      clock.mockRestore();
    }
    expect(await weightOf('beta', members.b1.node)).toBe(1);
    // The full read was just now (on that clock): the next change is scoped again.
    await operator([{ op: 'set-weight', backend: 'beta', server: b1, weight: 7 }]);
    expect(await sync(change('alpha', [members.a1.node, members.a2.node]))).toEqual(['alpha']);
    expect(await weightOf('beta', members.b1.node)).toBe(7);
    expect(await sync(clusters())).toEqual(['all']);
    expect(await weightOf('beta', members.b1.node)).toBe(1);
  });

  it('reads every backend at the first change after someone else reloaded HAProxy', async () => {
    const { config } = fixture;
    const master = new MasterCli(balancerPaths(config).masterSocket);
    // What the outside reload loads: the file of the last sync, once the balancer wrote it.
    const last = renderConfig(config, clusters()).text;
    expect(await settledText(config.config_file, last)).toBe(last);
    const before = (await master.showProc()).reloads;
    fixture.runtime.reset();
    await master.reload(); // `systemctl reload`: the same master, a new worker
    await waitFor(async () => (await master.showProc()).reloads > before, {
      what: 'the outside reload',
    });
    await fixture.settled();
    reloadsBefore = await fixture.reloads();
    // Drift in beta on the new worker (what a file lagging the runtime would leave behind).
    const b1 = serverName(members.b1.node);
    await operator([{ op: 'set-weight', backend: 'beta', server: b1, weight: 7 }]);
    const reads = await sync(change('alpha', [members.a1.node]));
    // The read of alpha names another worker than the last sync's: everything is read again.
    expect(reads).toEqual(['alpha', 'all']);
    expect(await weightOf('beta', members.b1.node)).toBe(1);
  });

  it('reads every backend at the first change after HAProxy was restarted behind its back', async () => {
    const { config } = fixture;
    const paths = balancerPaths(config);
    const oldPid = readPidFile(config.pid_file);
    expect(oldPid).toBeDefined();
    // Someone else replaces the master (a new master process, listeners handed over).
    const outside = new HAProxyProcess({
      binary: 'haproxy',
      configFile: config.config_file,
      pidFile: config.pid_file,
      masterSocket: paths.masterSocket,
      adminSocket: config.socket_file,
      stderrFile: paths.stderrFile,
    });
    // What the outside restart loads: the file of the last sync, once the balancer wrote it.
    const last = renderConfig(config, clusters()).text;
    expect(await settledText(config.config_file, last)).toBe(last);
    fixture.runtime.reset();
    await outside.takeOver(oldPid!);
    const newPid = readPidFile(config.pid_file);
    expect(newPid).not.toBe(oldPid);
    await fixture.settled();
    reloadsBefore = await fixture.reloads(); // a new master counts its reloads from 0

    // Drift in beta on the new process, then a change of alpha only.
    const b1 = serverName(members.b1.node);
    await operator([{ op: 'set-weight', backend: 'beta', server: b1, weight: 7 }]);
    expect(await weightOf('beta', members.b1.node)).toBe(7);
    const reads = await sync(change('alpha', [members.a1.node]));
    // Another master runs: the sync looks at everything, and beta converges in it.
    expect(reads).toEqual(['all']);
    expect(await weightOf('beta', members.b1.node)).toBe(1);
    expect([...(await servers('alpha')).keys()]).toEqual([serverName(members.a1.node)]);
    expect(readPidFile(config.pid_file)).toBe(newPid);
    await waitFor(async () => !isOurHAProxy(oldPid!, config.config_file), {
      what: `the replaced master ${oldPid} to exit`,
      timeoutMs: 10_000,
    });

    // And the next change is scoped again.
    await operator([{ op: 'set-weight', backend: 'beta', server: b1, weight: 7 }]);
    expect(await sync(change('alpha', [members.a1.node, members.a2.node]))).toEqual(['alpha']);
    expect(await weightOf('beta', members.b1.node)).toBe(7);
    expect(await sync(clusters())).toEqual(['all']);
    expect(await weightOf('beta', members.b1.node)).toBe(1);
  });
});
