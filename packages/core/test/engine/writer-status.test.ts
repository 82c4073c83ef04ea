import { describe, expect, it } from 'vitest';
import type { Balancer, BalancerReport } from '../../src/contracts/balancer.js';
import type { Discovery } from '../../src/contracts/discovery.js';
import type { ClusterConfig } from '../../src/config/types.js';
import type { Node } from '../../src/model/node.js';
import { SyncStats, writerStatus } from '../../src/engine/writer-status.js';
import type { WriterStatusInput } from '../../src/engine/writer-status.js';
import type { ClusterView } from '../../src/engine/topology.js';

/** The writer's status assembled from its parts; the socket and the engine: writer-control. */

const node = (host: string, port: number, ip = '10.0.0.1'): Node => ({
  host,
  ip,
  port,
  metadata: { owner: 'x' },
});

const cluster = (name: string, nodes: Node[], discovered = true): ClusterView => ({
  config: {
    name,
    discovery: 'zookeeper',
    balancers: { haproxy: {}, other: {} },
  } as unknown as ClusterConfig,
  nodes,
  discovered,
});

const report: BalancerReport = {
  clusters: [
    { name: 'web', members: [{ name: 'a:80', address: '10.0.0.1', port: 80, state: 'ready' }] },
  ],
  reloads: [{ at: '2026-01-01T00:00:00.000Z', reason: 'new backend web', ok: true }],
  facts: { pid: 42 },
};

const balancer = (describe?: Balancer['describe']): Balancer => ({
  sync: async () => undefined,
  ...(describe === undefined ? {} : { describe }),
});

const discovery = (describe?: Discovery['describe']): Discovery =>
  ({ ...(describe === undefined ? {} : { describe }) }) as Discovery;

function input(overrides: Partial<WriterStatusInput> = {}): WriterStatusInput {
  return {
    stateDir: '/state',
    clusters: [],
    balancers: [],
    discoveries: [],
    sync: new SyncStats(),
    ...overrides,
  };
}

describe('writerStatus', () => {
  it('lists every cluster, sorted, with what discovery reports of its members', async () => {
    const status = await writerStatus(
      input({
        clusters: [
          cluster('web', [node('a', 80), node('b', 81, '10.0.0.2')]),
          cluster('api', [], false),
        ],
      }),
    );
    expect(status).toMatchObject({ daemon: 'writer', pid: process.pid, stateDir: '/state' });
    expect(status.clusters).toEqual([
      {
        name: 'api',
        discovery: 'zookeeper',
        balancers: ['haproxy', 'other'],
        discovered: false,
        members: [],
      },
      {
        name: 'web',
        discovery: 'zookeeper',
        balancers: ['haproxy', 'other'],
        discovered: true,
        members: [
          { name: 'a:80', host: 'a', ip: '10.0.0.1', port: 80 },
          { name: 'b:81', host: 'b', ip: '10.0.0.2', port: 81 },
        ],
      },
    ]);
  });

  it("gives each balancer's describe(), null without one, an error when it throws", async () => {
    const status = await writerStatus(
      input({
        balancers: [
          ['zeta', balancer(async () => report)],
          ['plain', balancer()],
          [
            'broken',
            balancer(async () => {
              throw new Error('admin socket refused');
            }),
          ],
        ],
      }),
    );
    expect(status.balancers).toEqual({
      broken: { error: 'admin socket refused' },
      plain: null,
      zeta: report,
    });
    expect(Object.keys(status.balancers)).toEqual(['broken', 'plain', 'zeta']);
  });

  it('reports a describe() that hangs as an error once the timeout passes', async () => {
    const started = performance.now();
    const status = await writerStatus(
      input({
        balancers: [
          ['stuck', balancer(() => new Promise<BalancerReport>(() => undefined))],
          ['fine', balancer(async () => report)],
        ],
        describeTimeoutMs: 50,
      }),
    );
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(status.balancers['stuck']).toEqual({
      error: 'describe() did not answer within 50 ms',
    });
    expect(status.balancers['fine']).toEqual(report);
  });

  it('reports an answer that is not JSON as an error, so the status still serialises', async () => {
    const circular: Record<string, unknown> = { clusters: [], reloads: [] };
    circular['self'] = circular;
    const status = await writerStatus(
      input({
        balancers: [
          ['circular', balancer(async () => circular as unknown as BalancerReport)],
          ['big', balancer(async () => ({ ...report, facts: { n: 1n as unknown as number } }))],
          ['nothing', balancer(async () => undefined as unknown as BalancerReport)],
        ],
      }),
    );
    expect(Object.values(status.balancers).map((one) => one !== null && 'error' in one)).toEqual([
      true,
      true,
      true,
    ]);
    expect(() => JSON.stringify(status)).not.toThrow();
  });

  it("gives each discovery's describe(), or unknown", async () => {
    const status = await writerStatus(
      input({
        discoveries: [
          ['zk', discovery(() => ({ state: 'CONNECTED', facts: { session: '0x1' } }))],
          ['plain', discovery()],
          ['missing', undefined],
          [
            'broken',
            discovery(() => {
              throw new Error('no session');
            }),
          ],
        ],
      }),
    );
    expect(status.discovery).toEqual({
      broken: { state: 'unknown', error: 'no session' },
      missing: { state: 'unknown' },
      plain: { state: 'unknown' },
      zk: { state: 'CONNECTED', facts: { session: '0x1' } },
    });
  });
});

describe('SyncStats', () => {
  it('counts syncs and failures, and keeps the error of the last sync only', async () => {
    const stats = new SyncStats();
    expect(stats.status()).toEqual({ count: 0, failures: 0 });
    const before = Date.now();
    await stats.measure(async () => undefined);
    const first = stats.status();
    expect(first).toMatchObject({ count: 1, failures: 0 });
    expect(Date.parse(first.lastAt ?? '')).toBeGreaterThanOrEqual(before);
    expect(first.lastDurationMs).toBeGreaterThanOrEqual(0);
    expect(first).not.toHaveProperty('error');

    await expect(
      stats.measure(async () => {
        throw new Error('balancer sync failed (haproxy: reload refused)');
      }),
    ).rejects.toThrow('reload refused');
    expect(stats.status()).toMatchObject({
      count: 2,
      failures: 1,
      error: 'balancer sync failed (haproxy: reload refused)',
    });

    await stats.measure(() => new Promise((resolve) => setTimeout(resolve, 20)));
    const last = stats.status();
    expect(last).toMatchObject({ count: 3, failures: 1 });
    expect(last).not.toHaveProperty('error');
    expect(last.lastDurationMs).toBeGreaterThanOrEqual(15);
  });
});
