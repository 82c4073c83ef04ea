import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Balancer, ClusterState } from '@lighthouse/core';
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
import type { Fixture, NamedBackend } from './harness.js';

/** Routing through a real HAProxy, and which changes reload it (counted by `show proc`). */

type Cluster = ClusterState<HAProxyClusterConfig>;

let fixture: Fixture;
let balancer: Balancer<HAProxyClusterConfig>;
let web: NamedBackend[];
let users: NamedBackend[];
let orders: NamedBackend[];
let upstream: NamedBackend[];
const log = recordingLogger();
const ports = { web: 0, meta: 0, proxy: 0, stats: 0, extra: 0 };

/** The topology under test: web (3 candidates), meta cluster api (users, orders). */
function topology(webNodes: NamedBackend[], more: Cluster[] = []): Cluster[] {
  return [
    cluster(
      'web',
      { port: ports.web },
      webNodes.map((b) => b.node),
    ),
    cluster('users', { acl: 'path_beg /users' }, [users[0]!.node], { metaCluster: 'api' }),
    cluster('orders', { acl: 'path_beg /orders' }, [orders[0]!.node], { metaCluster: 'api' }),
    ...more,
  ];
}

beforeAll(async () => {
  requireHAProxy();
  for (const key of Object.keys(ports) as (keyof typeof ports)[]) ports[key] = await freePort();
  web = await startBackends(['web-a', 'web-b', 'web-c']);
  users = await startBackends(['users-1']);
  orders = await startBackends(['orders-1']);
  upstream = await startBackends(['upstream-1']);
  fixture = await createFixture({
    meta_clusters: { api: { port: ports.meta } },
    proxies: {
      ext: { port: ports.proxy, upstreams: [{ host: '127.0.0.1', port: upstream[0]!.port }] },
    },
    stats: { port: ports.stats, uri: '/stats' },
  });
  balancer = await createBalancer(fixture.config, log);
  await balancer.sync(topology(web.slice(0, 2)));
});

afterAll(async () => {
  await balancer?.close?.();
  await fixture?.cleanup();
  for (const backend of [
    ...(web ?? []),
    ...(users ?? []),
    ...(orders ?? []),
    ...(upstream ?? []),
  ]) {
    await backend.close();
  }
});

describe('haproxy balancer with a real HAProxy', () => {
  it('routes a cluster frontend to exactly its members', async () => {
    expect(new Set(await bodies(ports.web, 6))).toEqual(new Set(['web-a', 'web-b']));
  });

  it('routes the meta cluster by ACL and answers 503 for an unmatched path', async () => {
    expect(await get(ports.meta, '/users/1')).toEqual({ status: 200, body: 'users-1' });
    expect(await get(ports.meta, '/orders/9')).toEqual({ status: 200, body: 'orders-1' });
    expect((await get(ports.meta, '/nothing')).status).toBe(503);
  });

  it('serves the proxy and the stats page', async () => {
    expect(await get(ports.proxy)).toEqual({ status: 200, body: 'upstream-1' });
    const stats = await get(ports.stats, '/stats');
    expect(stats.status).toBe(200);
    expect(stats.body).toContain('Statistics Report');
  });

  it('adds, drains, removes and re-weights servers without any reload', async () => {
    const before = await fixture.reloads();
    await balancer.sync(topology(web));
    expect(new Set(await bodies(ports.web, 9))).toEqual(new Set(['web-a', 'web-b', 'web-c']));

    await balancer.sync(topology(web.slice(1)));
    expect(new Set(await bodies(ports.web, 8))).toEqual(new Set(['web-b', 'web-c']));
    const names = (await fixture.servers('web')).map((server) => server.server);
    expect(names).not.toContain(`web-a:${web[0]!.port}`);

    const heavy = { ...web[2]!.node, metadata: { weight: 0 } };
    await balancer.sync(topology([web[1]!, { ...web[2]!, node: heavy }]));
    expect(new Set(await bodies(ports.web, 6))).toEqual(new Set(['web-b']));
    const weights = (await fixture.servers('web')).map((server) => server.weight);
    expect(weights.sort()).toEqual([0, 1]);

    expect(await fixture.reloads()).toBe(before);
    await balancer.flush?.(); // the file is written in the background
    const file = await readFile(fixture.config.config_file, 'utf8');
    expect(file).toContain(`server web-c:${web[2]!.port} 127.0.0.1:${web[2]!.port} weight 0`);
    expect(file).not.toContain(`web-a:${web[0]!.port}`);
  });

  it('reloads exactly once for a new cluster, and keeps the no-op sync free', async () => {
    const before = await fixture.reloads();
    const extra = cluster('extra', { port: ports.extra }, [web[0]!.node]);
    await balancer.sync(topology(web, [extra]));
    expect(await fixture.reloads()).toBe(before + 1);
    expect(await get(ports.extra)).toEqual({ status: 200, body: 'web-a' });
    const stateFile = await readFile(fixture.config.server_state_file ?? '', 'utf8');
    expect(stateFile).toMatch(new RegExp(` web \\d+ web-b:${web[1]!.port} 127\\.0\\.0\\.1 `));
    await balancer.sync(topology(web, [extra]));
    expect(await fixture.reloads()).toBe(before + 1);
    const reloadLog = log.lines.filter((line) => line.message === 'reloaded HAProxy').at(-1);
    expect(reloadLog?.fields).toMatchObject({ reason: expect.stringContaining('changed') });
    expect(reloadLog?.fields['durationMs']).toEqual(expect.any(Number));
  });

  it('refuses a candidate haproxy -c rejects, leaving the file and HAProxy untouched', async () => {
    const before = await fixture.reloads();
    await balancer.flush?.(); // the file is written in the background
    const file = await readFile(fixture.config.config_file, 'utf8');
    const broken = cluster('broken', { backend: ['balance nonsense'] }, []);
    // Membership still converges at runtime: web-c leaves although the new structure is refused.
    await expect(balancer.sync(topology(web.slice(0, 2), [broken]))).rejects.toThrow(
      /haproxy -c refused.*balance only supports/s,
    );
    await balancer.flush?.(); // the file is written in the background
    expect(await readFile(fixture.config.config_file, 'utf8')).toBe(file);
    expect(await fixture.reloads()).toBe(before);
    expect(
      log.lines.some(
        (line) =>
          line.level === 'error' && String(line.fields['output']).includes('balance only supports'),
      ),
    ).toBe(true);
    expect(new Set(await bodies(ports.web, 6))).toEqual(new Set(['web-a', 'web-b']));
  });

  it('drains a removed server with an open request, then deletes it on a later sync', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const slow = createServer((_request, response) => void held.then(() => response.end('slow')));
    // HAProxy keeps the idle server connection in its pool, which also blocks `del server`,
    // until the server closes it: keep that short.
    slow.keepAliveTimeout = 200;
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    const slowPort = (slow.address() as AddressInfo).port;
    const node = { host: 'slow', ip: '127.0.0.1', port: slowPort, metadata: {} };
    const slowCluster = (nodes: (typeof node)[]) => cluster('slow', { port: ports.extra }, nodes);
    await balancer.sync(topology(web, [slowCluster([node])]));
    const before = await fixture.reloads();
    const pending = get(ports.extra);
    await waitFor(
      async () => {
        fixture.runtime.reset();
        // `show stat slow …` would name the frontend: filter the servers of all proxies.
        const rows = await fixture.runtime.showStat('-1 4 -1');
        return rows.find((row) => row['pxname'] === 'slow')?.['scur'] === '1';
      },
      { what: 'the request to reach the slow server' },
    );
    await balancer.sync(topology(web, [slowCluster([])]));
    const [drained] = await fixture.servers('slow');
    expect(drained?.adminState).toBe(AdminFlags.forcedMaint);
    expect((await get(ports.extra)).status).toBe(503);
    release();
    expect(await pending).toEqual({ status: 200, body: 'slow' });
    await waitFor(async () => {
      await balancer.sync(topology(web, [slowCluster([])]));
      return (await fixture.servers('slow')).length === 0;
    });
    expect(await fixture.reloads()).toBe(before);
    slow.close();
  });

  it('answers a removed cluster port no more after its reload', async () => {
    await balancer.sync(topology(web));
    await waitFor(async () => (await get(ports.extra).catch(() => undefined)) === undefined, {
      what: 'the removed frontend to stop listening',
    });
  });
});
