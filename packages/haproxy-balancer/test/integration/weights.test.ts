import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import type { Balancer, ClusterState } from '@lighthouse/core';
import { freePort, waitFor } from '@lighthouse/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBalancer } from '../../src/balancer.js';
import { AdminFlags } from '../../src/runtime/show-parsers.js';
import type { HAProxyClusterConfig } from '../../src/schema.js';
import {
  cluster,
  createFixture,
  recordingLogger,
  requireHAProxy,
  startBackends,
} from './harness.js';
import type { Fixture, NamedBackend } from './harness.js';

/**
 * Weights and admin state a real HAProxy got from the config file or from an agent: the writer
 * leaves them alone, and a sync against a freshly reloaded HAProxy does nothing at all.
 */

type Cluster = ClusterState<HAProxyClusterConfig>;

let fixture: Fixture;
let balancer: Balancer<HAProxyClusterConfig>;
let backends: NamedBackend[];
let agent: Server;
let agentPort = 0;
/** One frontend port per cluster (only the backends matter here). */
const ports: number[] = [];
const log = recordingLogger();

/** What the agent answers every check: herald-style load feedback ("up, ready, at 50 %"). */
let agentReply = 'up ready 50%';

/** The agent (HAProxy may reset the connection: ignored). */
function startAgent(): Promise<Server> {
  const server = createServer((socket: Socket) => {
    socket.on('error', () => undefined);
    socket.end(`${agentReply}\n`);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function topology(): Cluster[] {
  const [a, b] = backends.map((backend) => backend.node);
  const heavy = { ...b!, metadata: { weight: 3 } };
  const clusters = [
    cluster('fixed', { server_options: 'check weight 5' }, [a!, heavy]),
    cluster('inherited', { backend: ['default-server inter 3s weight 7'] }, [a!, heavy]),
    cluster('source', { backend: ['balance source'], server_options: 'weight 4' }, [a!, heavy]),
    cluster(
      'fed',
      { server_options: `weight 100 agent-check agent-port ${agentPort} agent-inter 100ms` },
      [a!],
    ),
  ];
  return clusters.map((c, index) => ({ ...c, config: { ...c.config, port: ports[index] ?? 0 } }));
}

/** The number of runtime batches the balancer sent (each is logged at debug). */
function batches(): number {
  return log.lines.filter((line) => line.message === 'HAProxy runtime batch').length;
}

beforeAll(async () => {
  requireHAProxy();
  backends = await startBackends(['a', 'b']);
  agent = await startAgent();
  agentPort = (agent.address() as AddressInfo).port;
  for (let i = 0; i < 4; i++) ports.push(await freePort());
  fixture = await createFixture();
  balancer = await createBalancer(fixture.config, log);
  await balancer.sync(topology());
});

afterAll(async () => {
  await balancer?.close?.();
  await fixture?.cleanup();
  agent?.close();
  for (const backend of backends ?? []) await backend.close();
});

describe('weights the file or an agent set', () => {
  it('plans nothing and reloads nothing against a freshly reloaded HAProxy', async () => {
    await balancer.sync(topology());
    const before = { reloads: await fixture.reloads(), batches: batches() };
    await fixture.master.reload();
    await waitFor(async () => (await fixture.reloads()) === before.reloads + 1, {
      what: 'the reload',
    });
    await waitFor(async () => (await fixture.servers('fixed')).length === 2, {
      what: 'the new worker',
    });
    // Reloaded behind the writer's back: drop its admin session, which still reaches the old worker.
    await balancer.close?.();
    await balancer.sync(topology());
    await balancer.sync(topology());
    expect(batches()).toBe(before.batches);
    expect(await fixture.reloads()).toBe(before.reloads + 1);
    const weights = async (backend: string) =>
      (await fixture.servers(backend)).map((server) => server.weight);
    expect(await weights('fixed')).toEqual([5, 3]);
    expect(await weights('inherited')).toEqual([7, 3]);
    expect(await weights('source')).toEqual([4, 3]);
  });

  it('resets a static backend to its initial weight at runtime, without a reload', async () => {
    const before = await fixture.reloads();
    const [server] = await fixture.servers('source');
    await fixture.runtime.execute([
      { op: 'set-weight', backend: 'source', server: server!.server, weight: 0 },
    ]);
    await balancer.sync(topology());
    expect((await fixture.servers('source')).map((s) => s.weight)).toEqual([4, 3]);
    expect(await fixture.reloads()).toBe(before);
  });

  it('leaves the weight and the drain an agent set', async () => {
    const before = { reloads: await fixture.reloads(), batches: batches() };
    await waitFor(async () => (await fixture.servers('fed'))[0]?.weight === 50, {
      what: 'the agent to set the weight',
    });
    await balancer.sync(topology());
    expect((await fixture.servers('fed'))[0]?.weight).toBe(50);
    agentReply = 'drain';
    await waitFor(
      async () => (await fixture.servers('fed'))[0]?.adminState === AdminFlags.forcedDrain,
      { what: 'the agent to drain the server' },
    );
    await balancer.sync(topology());
    expect((await fixture.servers('fed'))[0]?.adminState).toBe(AdminFlags.forcedDrain);
    expect(batches()).toBe(before.batches);
    expect(await fixture.reloads()).toBe(before.reloads);
  });
});
