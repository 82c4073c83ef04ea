import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
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
  get,
  recordingLogger,
  requireHAProxy,
  startBackends,
} from './harness.js';
import type { Fixture, NamedBackend } from './harness.js';

/**
 * Migrating from lighthouse 1.0: an HAProxy started the 1.0 way (`haproxy -D -f cfg -p pid`, no
 * master-worker, no master CLI) is taken over by the writer's first reload, without failing a
 * request, and the old process is gone once it finished its connections.
 */

type Cluster = ClusterState<HAProxyClusterConfig>;

let fixture: Fixture;
let balancer: Balancer<HAProxyClusterConfig>;
let backends: NamedBackend[];
let port = 0;
/** The HAProxy this test started the 1.0 way. */
let oldPid: number | undefined;
const log = recordingLogger();

function web(): Cluster[] {
  return [
    cluster(
      'web',
      { port },
      backends.map((b) => b.node),
    ),
  ];
}

beforeAll(async () => {
  requireHAProxy();
  port = await freePort();
  backends = await startBackends(['a', 'b']);
  fixture = await createFixture();
  balancer = await createBalancer(fixture.config, log);
  const { config_file: file, pid_file: pidFile } = fixture.config;
  // The file lighthouse 1.0 left behind: the same path, rendered by this balancer.
  await writeFile(file, (await balancer.render?.(web())) ?? '');
  const started = spawnSync('haproxy', ['-D', '-f', file, '-p', pidFile], { encoding: 'utf8' });
  expect(started.status, started.stderr).toBe(0);
  oldPid = readPidFile(pidFile);
});

afterAll(async () => {
  await balancer?.close?.();
  // Should the takeover have failed, stop the 1.0-style HAProxy this test started (by its PID).
  if (oldPid !== undefined && isOurHAProxy(oldPid, fixture.config.config_file)) {
    process.kill(oldPid, 'SIGTERM');
  }
  await fixture?.cleanup();
  for (const backend of backends ?? []) await backend.close();
});

describe('an HAProxy not started by lighthouse', () => {
  it('is taken over seamlessly by a master-worker HAProxy at the first reload', async () => {
    expect(oldPid).toBeDefined();
    expect(new Set(await bodies(port, 4))).toEqual(new Set(['a', 'b']));
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
    const started = Date.now();
    await balancer.sync(web());
    expect(Date.now() - started).toBeLessThan(5_000);
    const okAtTakeover = ok;
    await waitFor(async () => ok > okAtTakeover + 20, { what: 'traffic through the new HAProxy' });
    running = false;
    await Promise.all(clients);
    expect(failures).toEqual([]);

    const proc = await fixture.master.showProc();
    expect(proc.masterPid).not.toBe(oldPid);
    expect(readPidFile(fixture.config.pid_file)).toBe(proc.masterPid);
    expect(proc.workers.length).toBeGreaterThan(0);
    await waitFor(async () => !isOurHAProxy(oldPid ?? 0, fixture.config.config_file), {
      what: `the old HAProxy ${oldPid} to exit`,
    });
    expect(log.lines.find((line) => line.level === 'warn')?.message).toBe(
      'taking over an HAProxy not started by lighthouse',
    );
  });

  it('is then reloaded through its master CLI like any other', async () => {
    const before = await fixture.reloads();
    await balancer.sync([cluster('web', { port, backend: ['timeout server 31s'] }, [])]);
    expect(await fixture.reloads()).toBe(before + 1);
    expect((await get(port)).status).toBe(503);
  });
});
