import type { Balancer, ClusterState } from '@lighthouse/core';
import { freePort, waitFor } from '@lighthouse/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBalancer } from '../../src/balancer.js';
import type { HAProxyClusterConfig } from '../../src/schema.js';
import { isOurHAProxy, readPidFile } from '../../src/process/pid.js';
import {
  bodies,
  cluster,
  createFixture,
  haproxyProcessesIn,
  recordingLogger,
  requireHAProxy,
  startBackends,
} from './harness.js';
import type { Fixture, NamedBackend, RecordingLogger } from './harness.js';

/**
 * The watchdog against the real HAProxy: SIGKILL of the master and every worker is repaired
 * without a sync, within ~1 s; after close() nothing restarts it.
 */

type Cluster = ClusterState<HAProxyClusterConfig>;

let fixture: Fixture;
let balancer: Balancer<HAProxyClusterConfig>;
let backends: NamedBackend[];
let log: RecordingLogger;
let port = 0;

function web(): Cluster {
  return cluster(
    'web',
    { port },
    backends.map((b) => b.node),
  );
}

/**
 * Every haproxy process whose command line names a file in this test's temp dir (the master,
 * its workers, a re-executed master): found through /proc, never by name alone.
 */
const ourHAProxies = () => haproxyProcessesIn(fixture.dir.dir);

/** SIGKILLs every HAProxy process of this test; returns their PIDs. */
async function killAll(): Promise<number[]> {
  const pids = await ourHAProxies();
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone (a worker that followed its master).
    }
  }
  await waitFor(async () => (await ourHAProxies()).length === 0, { what: 'HAProxy to die' });
  return pids;
}

/** Polls until a round of requests reaches every member; the elapsed milliseconds. */
async function msUntilServed(deadlineMs: number, since: number): Promise<number> {
  const expected = new Set(backends.map((b) => b.name));
  for (;;) {
    const served = await bodies(port, backends.length * 2).catch(() => [] as string[]);
    if (expected.size > 0 && [...expected].every((name) => served.includes(name))) {
      return Date.now() - since;
    }
    if (Date.now() - since > deadlineMs) {
      throw new Error(`members not served again within ${deadlineMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

beforeAll(async () => {
  requireHAProxy();
  port = await freePort();
  backends = await startBackends(['a', 'b', 'c']);
  fixture = await createFixture();
  log = recordingLogger();
  balancer = await createBalancer(fixture.config, log);
  await balancer.sync([web()]);
});

afterAll(async () => {
  await balancer?.close?.();
  // Whatever is left of this test's HAProxy (by PID, command line in our temp dir).
  if (fixture !== undefined) {
    for (const pid of await ourHAProxies()) process.kill(pid, 'SIGTERM');
    await waitFor(async () => (await ourHAProxies()).length === 0, { what: 'HAProxy to exit' });
    await fixture.cleanup();
  }
  for (const backend of backends ?? []) await backend.close();
});

describe('the HAProxy watchdog', () => {
  it('restarts HAProxy killed with SIGKILL (master and workers) without a sync', async () => {
    expect(new Set(await bodies(port, 6))).toEqual(new Set(['a', 'b', 'c']));
    const before = await readPidFile(fixture.config.pid_file);
    const killed = await killAll();
    expect(killed).toContain(before);
    const since = Date.now();
    const ms = await msUntilServed(2_000, since);
    console.log(`watchdog: all members served again ${ms} ms after SIGKILL`);
    expect(ms).toBeLessThan(2_000);
    const pid = await readPidFile(fixture.config.pid_file);
    expect(pid).not.toBe(before);
    expect(await isOurHAProxy(pid ?? 0, fixture.config.config_file)).toBe(true);
    const warn = log.lines.find((line) => line.message === 'HAProxy is down; restarting it');
    expect(warn?.level).toBe('warn');
    expect(String(warn?.fields.reason)).toMatch(/is not a running HAProxy of ours/);
    await waitFor(async () => log.lines.some((line) => line.message === 'HAProxy recovered'), {
      what: 'the recovery to be logged',
    });
    expect(log.lines.find((line) => line.message === 'HAProxy recovered')?.level).toBe('info');
  });

  it('restarts it again after a second kill (back-off starts small)', async () => {
    await killAll();
    const ms = await msUntilServed(4_000, Date.now());
    console.log(`watchdog: served again ${ms} ms after the second SIGKILL`);
    expect(ms).toBeLessThan(4_000);
  });

  it('stops on close(): HAProxy killed afterwards stays dead', async () => {
    await balancer.close?.();
    await killAll();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await ourHAProxies()).toEqual([]);
  });
});
