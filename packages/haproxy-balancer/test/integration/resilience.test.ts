import { rename, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Balancer, ClusterState } from '@lighthouse/core';
import { freePort, waitFor } from '@lighthouse/testing';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { balancerPaths, createBalancer } from '../../src/balancer.js';
import { ReloadFailedError } from '../../src/process/haproxy-process.js';
import type { HAProxyClusterConfig } from '../../src/schema.js';
import { isOurHAProxy, readPidFile } from '../../src/process/pid.js';
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

/** Reload under load, crash recovery, writer restarts and the outage cache. */

type Cluster = ClusterState<HAProxyClusterConfig>;

let fixture: Fixture;
let balancer: Balancer<HAProxyClusterConfig>;
let backends: NamedBackend[];
let port = 0;

function web(nodes: readonly NamedBackend[], backendLines: string[] = []): Cluster {
  return cluster(
    'web',
    { port, backend: backendLines },
    nodes.map((b) => b.node),
  );
}

beforeAll(async () => {
  requireHAProxy();
  port = await freePort();
  backends = await startBackends(['a', 'b', 'c']);
  fixture = await createFixture();
  balancer = await createBalancer(fixture.config, recordingLogger());
  await balancer.sync([web(backends.slice(0, 2))]);
});

afterAll(async () => {
  await balancer?.close?.();
  await fixture?.cleanup();
  for (const backend of backends ?? []) await backend.close();
});

describe('haproxy balancer resilience', () => {
  it('loses no request across 20 seamless reloads', async () => {
    const before = await fixture.reloads();
    let running = true;
    let ok = 0;
    const failures: string[] = [];
    const clients = Array.from({ length: 4 }, async () => {
      while (running) {
        try {
          const reply = await get(port);
          if (reply.status === 200) ok++;
          else failures.push(`status ${reply.status}`);
        } catch (error) {
          failures.push(String(error));
        }
      }
    });
    for (let i = 0; i < 20; i++) {
      await balancer.sync([web(backends.slice(0, 2), [`timeout server ${30 + (i % 2)}s`])]);
    }
    running = false;
    await Promise.all(clients);
    expect(await fixture.reloads()).toBe(before + 20);
    expect(failures).toEqual([]);
    expect(ok).toBeGreaterThan(20);
  });

  it('starts HAProxy again after SIGKILL, on the next sync', async () => {
    const proc = await fixture.master.showProc();
    for (const pid of [proc.masterPid, ...proc.workers.map((w) => w.pid)]) {
      process.kill(pid, 'SIGKILL');
    }
    await waitFor(async () => !(await isOurHAProxy(proc.masterPid, fixture.config.config_file)));
    const started = Date.now();
    await balancer.sync([web(backends.slice(0, 2))]);
    expect(Date.now() - started).toBeLessThan(3_000);
    const pid = await readPidFile(fixture.config.pid_file);
    expect(pid).not.toBe(proc.masterPid);
    expect(await isOurHAProxy(pid ?? 0, fixture.config.config_file)).toBe(true);
    expect(new Set(await bodies(port, 4))).toEqual(new Set(['a', 'b']));
  });

  it('starts HAProxy with the last installed config when the new one is refused', async () => {
    const proc = await fixture.master.showProc();
    for (const pid of [proc.masterPid, ...proc.workers.map((w) => w.pid)]) {
      process.kill(pid, 'SIGKILL');
    }
    await waitFor(async () => !(await isOurHAProxy(proc.masterPid, fixture.config.config_file)));
    const broken = cluster('broken', { backend: ['balance nonsense'] }, []);
    await expect(balancer.sync([web(backends.slice(0, 2)), broken])).rejects.toThrow(
      /haproxy -c refused/,
    );
    expect(new Set(await bodies(port, 4))).toEqual(new Set(['a', 'b']));
    await balancer.sync([web(backends.slice(0, 2))]);
    expect(new Set(await bodies(port, 4))).toEqual(new Set(['a', 'b']));
  });

  it('finds the running HAProxy through its master CLI when the PID file is gone', async () => {
    const before = await fixture.master.showProc();
    await rm(fixture.config.pid_file);
    await balancer.sync([web(backends.slice(0, 2))]);
    const after = await fixture.master.showProc();
    expect(after.masterPid).toBe(before.masterPid);
    expect(after.reloads).toBe(before.reloads);
  });

  it('detects a reload HAProxy silently failed (port taken) and keeps serving', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as AddressInfo).port;
    const before = await fixture.master.showProc();
    const clash = cluster('clash', { port: taken }, []);
    await expect(balancer.sync([web(backends.slice(0, 2)), clash])).rejects.toBeInstanceOf(
      ReloadFailedError,
    );
    const after = await fixture.master.showProc();
    expect(after.failed).toBe(before.failed + 1);
    expect(new Set(await bodies(port, 4))).toEqual(new Set(['a', 'b']));
    blocker.close();
    await balancer.sync([web(backends.slice(0, 2))]);
    expect(new Set(await bodies(port, 4))).toEqual(new Set(['a', 'b']));
  });

  it('rate-limits reloads to one per restart_interval', async () => {
    const slow = await createBalancer(
      { ...fixture.config, restart_interval: 0.5 },
      recordingLogger(),
    );
    await slow.sync([web(backends.slice(0, 2), ['timeout server 40s'])]);
    const started = Date.now();
    await slow.sync([web(backends.slice(0, 2), ['timeout server 41s'])]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    await slow.close?.();
    // The next test's runtime commands must reach the worker these reloads started.
    await fixture.settled();
  });

  it('is adopted by a restarted writer without a reload, and serves cached members', async () => {
    await balancer.sync([web(backends)]);
    await balancer.flush?.(); // as a stopped writer leaves its files
    const before = await fixture.reloads();
    const restarted = await createBalancer(fixture.config, recordingLogger());
    onTestFinished(() => restarted.close?.());
    await restarted.sync([{ ...web([]), discovered: false }]);
    expect(await fixture.reloads()).toBe(before);
    expect(new Set(await bodies(port, 6))).toEqual(new Set(['a', 'b', 'c']));
  });

  it('keeps the running members of an undiscovered cluster when there is no cache', async () => {
    await balancer.flush?.(); // no background write may bring the cache back
    await rm(balancerPaths(fixture.config).cacheFile);
    const restarted = await createBalancer(fixture.config, recordingLogger());
    onTestFinished(() => restarted.close?.());
    await restarted.sync([{ ...web([]), discovered: false }]);
    expect(new Set(await bodies(port, 6))).toEqual(new Set(['a', 'b', 'c']));
    expect((await fixture.servers('web')).length).toBe(3);
  });

  it('refuses to reload when the admin socket is silent and an undiscovered cluster has no cache', async () => {
    await balancer.flush?.(); // no background write may bring the cache back
    await rm(balancerPaths(fixture.config).cacheFile);
    const hidden = `${fixture.config.socket_file}.hidden`;
    await rename(fixture.config.socket_file, hidden);
    try {
      const before = await fixture.reloads();
      const restarted = await createBalancer(fixture.config, recordingLogger());
      await expect(restarted.sync([{ ...web([]), discovered: false }])).rejects.toThrow(
        /not reloading HAProxy: its admin socket .* does not answer and the members of web are unknown/,
      );
      expect(await fixture.reloads()).toBe(before);
      expect(new Set(await bodies(port, 6))).toEqual(new Set(['a', 'b', 'c']));
      await restarted.close?.();
    } finally {
      await rename(hidden, fixture.config.socket_file);
    }
  });

  it('empties a backend when discovery really reports no members', async () => {
    await balancer.sync([web([])]);
    expect((await get(port)).status).toBe(503);
  });
});
