import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Balancer, ClusterState, Node } from '@lighthouse/core';
import { freePort, waitFor } from '@lighthouse/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBalancer } from '../../src/balancer.js';
import { AdminFlags } from '../../src/runtime/show-parsers.js';
import type { HAProxyClusterConfig } from '../../src/schema.js';
import {
  bodies,
  cluster,
  createFixture,
  get,
  recordingLogger,
  requireHAProxy,
  startBackends,
} from './harness.js';
import type { Fixture, NamedBackend, RecordingLogger } from './harness.js';

/**
 * `metadata.state: "drain"` on a real HAProxy: the server goes to the drain admin state through
 * the runtime API (no reload), finishes what it serves, takes no new sessions, comes back, and
 * stays drained across reloads, with and without a server_state_file.
 */

type Cluster = ClusterState<HAProxyClusterConfig>;

/** A backend that answers `/slow` after 1.5 s and anything else at once, with its name. */
interface SlowBackend {
  node: Node;
  close(): Promise<void>;
}

async function startSlowBackend(name: string): Promise<SlowBackend> {
  const server = createServer((request, response) => {
    response.setHeader('connection', 'close');
    if (request.url === '/slow') setTimeout(() => response.end(name), 1_500);
    else response.end(name);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    node: { host: name, ip: '127.0.0.1', port, metadata: {} },
    close: () =>
      new Promise((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

/** One balancer on its own HAProxy (with or without a server_state_file). */
interface Setup {
  fixture: Fixture;
  balancer: Balancer<HAProxyClusterConfig>;
  log: RecordingLogger;
  port: number;
}

let fast: NamedBackend[];
let slow: SlowBackend;
const setups: Setup[] = [];

async function setup(stateFile: boolean): Promise<Setup> {
  const fixture = await createFixture(stateFile ? {} : { server_state_file: undefined });
  const log = recordingLogger();
  const made = {
    fixture,
    log,
    port: await freePort(),
    balancer: await createBalancer(fixture.config, log),
  };
  setups.push(made);
  return made;
}

/** The cluster: `fast` and `slow` (with `slowMetadata`), plus `extra` nodes. */
function web(
  port: number,
  slowMetadata: Node['metadata'],
  extra: Node[] = [],
  lines: string[] = [],
): Cluster[] {
  const nodes = [fast[0]!.node, { ...slow.node, metadata: slowMetadata }, ...extra];
  return [cluster('web', { port, backend: lines }, nodes)];
}

async function adminState(fixture: Fixture, host: string): Promise<number | undefined> {
  const servers = await fixture.servers('web');
  return servers.find((server) => server.server.startsWith(`${host}:`))?.adminState;
}

beforeAll(async () => {
  requireHAProxy();
  fast = await startBackends(['fast', 'late']);
  slow = await startSlowBackend('slow');
});

afterAll(async () => {
  for (const { balancer, fixture } of setups) {
    await balancer.close?.();
    await fixture.cleanup();
  }
  for (const backend of fast ?? []) await backend.close();
  await slow?.close();
});

describe('metadata.state drain, with a server_state_file', () => {
  let s: Setup;
  beforeAll(async () => {
    s = await setup(true);
    await s.balancer.sync(web(s.port, {}));
  });

  it('drains at runtime: the in-flight request finishes, new ones go to the other node', async () => {
    const before = await s.fixture.reloads();
    // Round robin over two servers: one of the two requests is held by the slow one.
    const pending = [get(s.port, '/slow'), get(s.port, '/slow')];
    await waitFor(
      async () => {
        s.fixture.runtime.reset();
        const rows = await s.fixture.runtime.showStat('-1 4 -1');
        return rows.find((row) => row['svname']?.startsWith('slow:'))?.['scur'] === '1';
      },
      { what: 'a request in flight on the slow server' },
    );
    await s.balancer.sync(web(s.port, { state: 'drain' }));
    expect(await adminState(s.fixture, 'slow')).toBe(AdminFlags.forcedDrain);
    expect(new Set(await bodies(s.port, 6))).toEqual(new Set(['fast']));
    const replies = await Promise.all(pending);
    expect(replies).toContainEqual({ status: 200, body: 'slow' });
    expect(await s.fixture.reloads()).toBe(before);
  });

  it('puts the server back in rotation when the metadata no longer says drain', async () => {
    const before = await s.fixture.reloads();
    await s.balancer.sync(web(s.port, { state: 'ready' }));
    expect(await adminState(s.fixture, 'slow')).toBe(0);
    expect(new Set(await bodies(s.port, 6))).toEqual(new Set(['fast', 'slow']));
    expect(await s.fixture.reloads()).toBe(before);
  });

  it('adds a draining node in drain, without a reload', async () => {
    const before = await s.fixture.reloads();
    const late = { ...fast[1]!.node, metadata: { state: 'drain', weight: 7 } };
    await s.balancer.sync(web(s.port, {}, [late]));
    expect(await adminState(s.fixture, 'late')).toBe(AdminFlags.forcedDrain);
    // Drained, and its weight kept for when it is ready again.
    const servers = await s.fixture.servers('web');
    expect(servers.find((server) => server.server.startsWith('late:'))?.weight).toBe(7);
    expect(new Set(await bodies(s.port, 8))).toEqual(new Set(['fast', 'slow']));
    expect(await s.fixture.reloads()).toBe(before);
  });

  it('stays drained across a reload behind the writer’s back, and the writer’s own', async () => {
    const lines = ['timeout server 31s'];
    await s.balancer.sync(web(s.port, {}, [], lines));
    const before = await s.fixture.reloads();
    // Drained at runtime, after the writer's last reload: only the state file the writer keeps
    // current after runtime changes carries this drain over a `systemctl reload`.
    await s.balancer.sync(web(s.port, { state: 'drain' }, [], lines));
    expect(await s.fixture.reloads()).toBe(before);
    await s.fixture.master.reload();
    await waitFor(async () => (await s.fixture.reloads()) === before + 1, { what: 'the reload' });
    await waitFor(
      async () => (await s.fixture.master.showProc()).workers.some((w) => w.reloads === 0),
      { what: 'the new worker' },
    );
    expect(await adminState(s.fixture, 'slow')).toBe(AdminFlags.forcedDrain);
    expect(new Set(await bodies(s.port, 6))).toEqual(new Set(['fast']));
    // The writer's reload (a structural change).
    await s.balancer.sync(web(s.port, { state: 'drain' }, [], ['timeout server 32s']));
    expect(await s.fixture.reloads()).toBe(before + 2);
    expect(await adminState(s.fixture, 'slow')).toBe(AdminFlags.forcedDrain);
    expect(new Set(await bodies(s.port, 6))).toEqual(new Set(['fast']));
  });

  it('keeps a drain re-applied after its own reload across the next outside reload', async () => {
    // A new cluster whose only node drains: its backend comes with the reload, the node up ready
    // from the file and drained right after — that drain must reach the state file too.
    const late = { ...fast[1]!.node, metadata: { state: 'drain' } };
    const api = cluster('api', {}, [late]);
    const before = await s.fixture.reloads();
    await s.balancer.sync([...web(s.port, {}), api]);
    expect(await s.fixture.reloads()).toBe(before + 1);
    const lateIn = async () => (await s.fixture.servers('api'))[0]?.adminState;
    expect(await lateIn()).toBe(AdminFlags.forcedDrain);
    await s.fixture.master.reload();
    await waitFor(async () => (await s.fixture.reloads()) === before + 2, { what: 'the reload' });
    await waitFor(
      async () => (await s.fixture.master.showProc()).workers.some((w) => w.reloads === 0),
      { what: 'the new worker' },
    );
    expect(await lateIn()).toBe(AdminFlags.forcedDrain);
  });

  it('warns once about a state that is not a string, and again when it changes', async () => {
    const warned = () =>
      s.log.lines.filter(
        (line) => line.level === 'warn' && line.message.includes('metadata.state'),
      );
    const lines = ['timeout server 32s'];
    await s.balancer.sync(web(s.port, { state: 7 }, [], lines));
    await s.balancer.sync(web(s.port, { state: 7 }, [], lines));
    expect(warned().map((line) => line.message)).toEqual([expect.stringContaining('node "slow:')]);
    expect(await adminState(s.fixture, 'slow')).toBe(0);
    await s.balancer.sync(web(s.port, { state: 8 }, [], lines));
    expect(warned()).toHaveLength(2);
  });
});

describe('metadata.state drain, without a server_state_file', () => {
  it('is re-applied at once after the writer’s reload', async () => {
    const s = await setup(false);
    // Started drained: the server is rendered ready, the drain set right after the start.
    await s.balancer.sync(web(s.port, { state: 'drain' }));
    expect(await adminState(s.fixture, 'slow')).toBe(AdminFlags.forcedDrain);
    const before = await s.fixture.reloads();
    await s.balancer.sync(web(s.port, { state: 'drain' }, [], ['timeout server 31s']));
    expect(await s.fixture.reloads()).toBe(before + 1);
    expect(await adminState(s.fixture, 'slow')).toBe(AdminFlags.forcedDrain);
    expect(new Set(await bodies(s.port, 6))).toEqual(new Set(['fast']));
  });
});
