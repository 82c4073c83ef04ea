import { readFile } from 'node:fs/promises';
import type { Balancer, ClusterState, Node } from '@lighthouse/core';
import { freePort, waitFor } from '@lighthouse/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBalancer } from '../../src/balancer.js';
import { AdminFlags, CheckFlags } from '../../src/runtime/show-parsers.js';
import type { ServerState } from '../../src/runtime/show-parsers.js';
import type { HAProxyClusterConfig } from '../../src/schema.js';
import {
  cluster,
  createFixture,
  recordingLogger,
  requireHAProxy,
  startAgent,
  startBackends,
} from './harness.js';
import type { Fixture, NamedBackend, TestAgent } from './harness.js';

/**
 * `metadata.agent_port`/`agent_inter` on a real HAProxy: the agent's load feedback reaches the
 * server whether it was rendered at start or added at runtime, the agent's own drain is left to
 * it, the node's drain stops the agent so that it sticks, and a moved agent follows at runtime.
 */

type Cluster = ClusterState<HAProxyClusterConfig>;

/** Two agent intervals (`agent_inter: 0.5`) plus slack: HAProxy spreads the first check. */
const AGENT_DEADLINE = { timeoutMs: 1_500 };

let fixture: Fixture;
let balancer: Balancer<HAProxyClusterConfig>;
let backends: NamedBackend[];
let agents: TestAgent[];
let port = 0;
const log = recordingLogger();

function withMetadata(index: number, metadata: Node['metadata']): Node {
  return { ...backends[index]!.node, metadata };
}

function fed(nodes: Node[], lines: string[] = []): Cluster[] {
  return [cluster('fed', { port, backend: lines, server_options: 'weight 100' }, nodes)];
}

/** `a` with agent 0 (every 0.5 s), and what else the test adds. */
function topology(a: Node['metadata'] = {}, more: Node[] = []): Cluster[] {
  return fed([withMetadata(0, { agent_port: agents[0]!.port, agent_inter: 0.5, ...a }), ...more]);
}

async function state(host: string): Promise<ServerState | undefined> {
  return (await fixture.servers('fed')).find((s) => s.server.startsWith(`${host}:`));
}

function batches(): number {
  return log.lines.filter((line) => line.message === 'HAProxy runtime batch').length;
}

beforeAll(async () => {
  requireHAProxy();
  port = await freePort();
  backends = await startBackends(['a', 'b', 'd']);
  agents = await Promise.all(['up ready 40%', 'up ready 40%', 'up ready 60%'].map(startAgent));
  fixture = await createFixture();
  balancer = await createBalancer(fixture.config, log);
  await balancer.sync(topology());
});

afterAll(async () => {
  await balancer?.close?.();
  await fixture?.cleanup();
  for (const agent of agents ?? []) await agent.close();
  for (const backend of backends ?? []) await backend.close();
});

describe('agent-check from node metadata', () => {
  it('renders it: the agent sets the weight of a server present at start', async () => {
    await balancer.flush?.(); // the file is written in the background
    const file = await readFile(fixture.config.config_file, 'utf8');
    expect(file).toContain(`agent-check agent-port ${agents[0]!.port} agent-inter 500ms`);
    await waitFor(async () => (await state('a'))?.weight === 40, {
      ...AGENT_DEADLINE,
      what: 'the agent to set 40 %',
    });
    expect((await state('a'))?.agentPort).toBe(agents[0]!.port);
  });

  it('adds a server with its agent at runtime and enables it', async () => {
    const before = await fixture.reloads();
    const b = withMetadata(1, { agent_port: agents[1]!.port, agent_inter: 0.5 });
    await balancer.sync(topology({}, [b]));
    expect(await fixture.reloads()).toBe(before);
    const added = await state('b');
    const running = CheckFlags.configured | CheckFlags.enabled;
    expect(added!.agentState & running).toBe(running);
    await waitFor(async () => (await state('b'))?.weight === 40, {
      ...AGENT_DEADLINE,
      what: 'the agent to set 40 % on the added server',
    });
  });

  it('leaves the agent’s drain to the agent: nothing sticks, no fight', async () => {
    const b = withMetadata(1, { agent_port: agents[1]!.port, agent_inter: 0.5 });
    agents[0]!.reply = 'up drain 0%';
    await waitFor(async () => (await state('a'))?.adminState === AdminFlags.forcedDrain, {
      ...AGENT_DEADLINE,
      what: 'the agent to drain the server',
    });
    const before = batches();
    await balancer.sync(topology({}, [b]));
    expect(batches()).toBe(before);
    expect((await state('a'))?.adminState).toBe(AdminFlags.forcedDrain);
    agents[0]!.reply = 'up ready 100%';
    await waitFor(
      async () => {
        const a = await state('a');
        return a?.adminState === 0 && a.weight === 100;
      },
      { ...AGENT_DEADLINE, what: 'the agent to make the server ready again' },
    );
  });

  it('stops the agent while the node drains, so that its "ready" cannot end the drain', async () => {
    const b = withMetadata(1, { agent_port: agents[1]!.port, agent_inter: 0.5 });
    const before = await fixture.reloads();
    await balancer.sync(topology({ state: 'drain' }, [b]));
    const drained = await state('a');
    expect(drained?.adminState).toBe(AdminFlags.forcedDrain);
    expect(drained!.agentState & CheckFlags.enabled).toBe(0);
    // Three polls of the other agent: a running agent 0 would have said "ready" by now.
    const polls = agents[1]!.polls;
    await waitFor(() => agents[1]!.polls >= polls + 3, { what: 'three more agent polls' });
    expect((await state('a'))?.adminState).toBe(AdminFlags.forcedDrain);
    await balancer.sync(topology({}, [b]));
    const ready = await state('a');
    expect(ready?.adminState).toBe(0);
    expect(ready!.agentState & CheckFlags.enabled).toBe(CheckFlags.enabled);
    expect(await fixture.reloads()).toBe(before);
  });

  it('moves the agent to its new port at runtime', async () => {
    const before = await fixture.reloads();
    await balancer.sync(topology({ agent_port: agents[2]!.port }));
    expect(await fixture.reloads()).toBe(before);
    expect((await state('a'))?.agentPort).toBe(agents[2]!.port);
    await waitFor(async () => (await state('a'))?.weight === 60, {
      ...AGENT_DEADLINE,
      what: 'the moved agent to set 60 %',
    });
  });

  it('reloads once for a new agent interval, which the runtime API cannot change', async () => {
    const before = await fixture.reloads();
    const moved = { agent_port: agents[2]!.port, agent_inter: 0.25 };
    await balancer.sync(topology(moved));
    await balancer.sync(topology(moved));
    expect(await fixture.reloads()).toBe(before + 1);
    await balancer.flush?.(); // the file is written in the background
    const file = await readFile(fixture.config.config_file, 'utf8');
    expect(file).toContain(`agent-port ${agents[2]!.port} agent-inter 250ms`);
  });

  it('routes a node with a hostile agent_port without agent-check, warning once', async () => {
    const evil = withMetadata(2, { agent_port: '5555; rm -rf /' });
    const moved = { agent_port: agents[2]!.port, agent_inter: 0.25 };
    await balancer.sync(topology(moved, [evil]));
    await balancer.sync(topology(moved, [evil]));
    const d = await state('d');
    expect(d).toMatchObject({ adminState: 0, agentState: 0, agentPort: 0 });
    await balancer.flush?.(); // the file is written in the background
    const file = await readFile(fixture.config.config_file, 'utf8');
    expect(file).toMatch(/server d:\d+ 127\.0\.0\.1:\d+ weight 100\n/);
    expect(file).not.toContain('rm -rf');
    const warnings = log.lines.filter((line) => line.message.includes('metadata.agent_port'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.level).toBe('warn');
  });
});
