import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import type { Balancer, Node } from '@lighthouse/core';
import { freePort, recordingMetrics, waitFor } from '@lighthouse/testing';
import type { RecordingMetrics } from '@lighthouse/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
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
  startHangingBackend,
} from './harness.js';
import type { Fixture, NamedBackend, RecordingLogger } from './harness.js';

/**
 * What an operator sees on a real HAProxy when servers leave and when they step in: a removed
 * server with a connection that never ends is deleted on its own timer within removal_timeout;
 * a state an operator forces is left alone until lifted; a reload HAProxy refuses puts the
 * previous file back; `describe()` and the metrics say what happened.
 */

interface Setup {
  fixture: Fixture;
  balancer: Balancer<HAProxyClusterConfig>;
  log: RecordingLogger;
  metrics: RecordingMetrics;
  port: number;
}

let backends: NamedBackend[];
let current: Setup | undefined;

async function setup(removalTimeout = 30): Promise<Setup> {
  const fixture = await createFixture({ removal_timeout: removalTimeout });
  const log = recordingLogger();
  const metrics = recordingMetrics();
  const balancer = await createBalancer(fixture.config, log, metrics);
  current = { fixture, log, metrics, balancer, port: await freePort() };
  return current;
}

const messages = (log: RecordingLogger, level: 'info' | 'warn') =>
  log.at(level).map((line) => line.message);

const web = (port: number, nodes: readonly Node[]) => [cluster('web', { port }, nodes)];

async function serverNamed(fixture: Fixture, host: string) {
  return (await fixture.servers('web')).find((server) => server.server.startsWith(`${host}:`));
}

beforeAll(async () => {
  requireHAProxy();
  backends = await startBackends(['a', 'b']);
});

afterEach(async () => {
  await current?.balancer.close?.();
  await current?.fixture.cleanup();
  current = undefined;
});

afterAll(async () => {
  for (const backend of backends ?? []) await backend.close();
});

describe('clean removals', () => {
  it('deletes a removed server with a connection that never ends within removal_timeout, without a sync', async () => {
    const s = await setup(1);
    const hanging = await startHangingBackend('hang');
    try {
      await s.balancer.sync(web(s.port, [hanging.node]));
      const reloads = await s.fixture.reloads();
      const held = get(s.port, '/forever').catch((error: unknown) => error);
      await waitFor(() => hanging.open() > 0, { what: 'the connection to reach the backend' });

      const removedAt = Date.now();
      await s.balancer.sync(web(s.port, [backends[0]!.node]));
      // Busy: out of rotation at once (maint), still there.
      const waiting = await serverNamed(s.fixture, 'hang');
      expect((waiting?.adminState ?? 0) & AdminFlags.forcedMaint).toBe(AdminFlags.forcedMaint);
      expect(await bodies(s.port, 3)).toEqual(['a', 'a', 'a']);
      expect(messages(s.log, 'info')).toContain(
        'removed server still has connections; deleting it once they finish',
      );

      // No further sync: the balancer's own timer shuts the sessions down and deletes it.
      await waitFor(async () => (await serverNamed(s.fixture, 'hang')) === undefined, {
        what: 'the removed server to be deleted',
        timeoutMs: 5_000,
        intervalMs: 50,
      });
      const tookMs = Date.now() - removedAt;
      expect(tookMs).toBeGreaterThanOrEqual(1_000);
      expect(tookMs).toBeLessThan(4_000);
      expect(messages(s.log, 'warn')).toContain(
        'removed server still has connections; shutting its sessions down',
      );
      // The client's request was cut, not left hanging.
      expect(await held).toBeDefined();
      await waitFor(() => hanging.open() === 0, { what: 'the backend connection to close' });
      expect(await s.fixture.reloads()).toBe(reloads);
      expect(s.metrics.value('lighthouse_haproxy_pending_removals')).toBe(0);
      expect(
        s.metrics.value('lighthouse_haproxy_runtime_commands_total', {
          command: 'shutdown-sessions',
          result: 'ok',
        }),
      ).toBeGreaterThanOrEqual(1);
    } finally {
      await hanging.close();
    }
  });

  it('calls a pending removal off when the node comes back', async () => {
    const s = await setup(30);
    const hanging = await startHangingBackend('hang');
    await s.balancer.sync(web(s.port, [hanging.node]));
    const held = get(s.port, '/forever').catch((error: unknown) => error);
    try {
      await waitFor(() => hanging.open() > 0, { what: 'the connection to reach the backend' });
      await s.balancer.sync(web(s.port, [backends[0]!.node]));
      expect(await serverNamed(s.fixture, 'hang')).toBeDefined();
      expect(s.metrics.value('lighthouse_haproxy_pending_removals')).toBe(1);

      await s.balancer.sync(web(s.port, [backends[0]!.node, hanging.node]));
      const back = await serverNamed(s.fixture, 'hang');
      // The writer's own maintenance (its removal) is lifted: back in rotation.
      expect((back?.adminState ?? 0) & AdminFlags.forcedMaint).toBe(0);
      expect(s.metrics.value('lighthouse_haproxy_pending_removals')).toBe(0);
      expect(messages(s.log, 'warn')).not.toContain(
        'leaving a server in the state an operator set',
      );
    } finally {
      await hanging.close();
      await held;
    }
  });
});

describe("an operator's state", () => {
  it('is left alone until the operator lifts it; the writer still converges its own drain', async () => {
    const s = await setup();
    const [a, b] = [backends[0]!.node, backends[1]!.node];
    await s.balancer.sync(web(s.port, [a, b]));
    const name = (await serverNamed(s.fixture, 'a'))!.server;

    await s.fixture.runtime.raw(`set server web/${name} state maint`);
    await s.balancer.sync(web(s.port, [a, b]));
    expect(((await serverNamed(s.fixture, 'a'))!.adminState & AdminFlags.forcedMaint) !== 0).toBe(
      true,
    );
    expect(await bodies(s.port, 4)).toEqual(['b', 'b', 'b', 'b']);
    expect(messages(s.log, 'warn')).toContain('leaving a server in the state an operator set');
    const report = await s.balancer.describe!();
    const member = report.clusters
      .find((c) => c.name === 'web')
      ?.members.find((m) => m.name === name);
    expect(member).toMatchObject({ state: 'maint', setBy: 'operator' });
    expect(s.metrics.value('lighthouse_haproxy_operator_held_servers')).toBe(1);

    // The node now asks for drain: the operator's maintenance still wins until lifted.
    await s.balancer.sync(web(s.port, [{ ...a, metadata: { state: 'drain' } }, b]));
    expect((await serverNamed(s.fixture, 'a'))!.adminState & AdminFlags.forcedMaint).toBe(
      AdminFlags.forcedMaint,
    );

    await s.fixture.runtime.raw(`set server web/${name} state ready`);
    await s.balancer.sync(web(s.port, [{ ...a, metadata: { state: 'drain' } }, b]));
    const drained = (await serverNamed(s.fixture, 'a'))!.adminState;
    expect(drained & AdminFlags.forcedDrain).toBe(AdminFlags.forcedDrain);
    expect(messages(s.log, 'info')).toContain('operator state lifted');

    // The writer's drain is its own: lifted when the node is ready again.
    await s.balancer.sync(web(s.port, [a, b]));
    expect((await serverNamed(s.fixture, 'a'))!.adminState & AdminFlags.forcedDrain).toBe(0);
    expect(s.metrics.value('lighthouse_haproxy_operator_held_servers')).toBe(0);
  });

  it('survives a restart of the writer: a new balancer does not take the maintenance back', async () => {
    const s = await setup();
    const [a, b] = [backends[0]!.node, backends[1]!.node];
    await s.balancer.sync(web(s.port, [a, b]));
    const name = (await serverNamed(s.fixture, 'a'))!.server;
    await s.fixture.runtime.raw(`set server web/${name} state maint`);
    await s.balancer.close?.();

    const restarted = await createBalancer(s.fixture.config, recordingLogger());
    s.balancer = restarted;
    await restarted.sync(web(s.port, [a, b]));
    expect((await serverNamed(s.fixture, 'a'))!.adminState & AdminFlags.forcedMaint).toBe(
      AdminFlags.forcedMaint,
    );
  });
});

describe('a reload HAProxy refuses', () => {
  it('puts the previous file back, and the failure is counted', async () => {
    const s = await setup();
    await s.balancer.sync(web(s.port, [backends[0]!.node]));
    await s.balancer.flush?.(); // the file is written in the background
    const before = await readFile(s.fixture.config.config_file, 'utf8');
    // `haproxy -c` does not bind, so it accepts a frontend on a port another process holds;
    // the reload then fails to bind it.
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const takenPort = (taken.address() as AddressInfo).port;
    try {
      const clusters = [
        ...web(s.port, [backends[0]!.node]),
        cluster('api', { port: takenPort }, [backends[1]!.node]),
      ];
      await expect(s.balancer.sync(clusters)).rejects.toThrow(/reload failed/);
      await s.balancer.flush?.(); // the file is written in the background
      expect(await readFile(s.fixture.config.config_file, 'utf8')).toBe(before);
      expect(messages(s.log, 'warn')).toContain(
        'restored the previous configuration file: HAProxy still runs it',
      );
      expect(
        s.metrics.value('lighthouse_haproxy_reloads_total', {
          kind: 'reload',
          cause: 'structure',
          result: 'failed',
        }),
      ).toBe(1);
      // Still serving the old configuration.
      expect((await get(s.port)).body).toBe('a');
      const report = await s.balancer.describe!();
      expect(report.reloads.at(-1)).toMatchObject({ ok: false });
      expect(report.reloads.at(-1)?.reason).toMatch(/^reload: /);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
