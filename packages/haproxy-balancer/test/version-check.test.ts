import { spawnSync } from 'node:child_process';
import { chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode } from '@lighthouse/core';
import type { ClusterState, Node } from '@lighthouse/core';
import { createTempDir, freePort, recordingMetrics } from '@lighthouse/testing';
import type { TempDir } from '@lighthouse/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createBalancer } from '../src/balancer.js';
import { desiredState } from '../src/desired.js';
import { planSync } from '../src/plan.js';
import { detectVersion, versionAtLeast } from '../src/process/version.js';
import { commandLine } from '../src/runtime/commands.js';
import type { ServerState } from '../src/runtime/show-parsers.js';
import type { HAProxyClusterConfig, HAProxyConfig } from '../src/schema.js';
import {
  bodies,
  cluster,
  createFixture,
  recordingLogger,
  requireHAProxy,
  startBackends,
} from './integration/harness.js';
import type { Fixture, NamedBackend } from './integration/harness.js';

/**
 * What the balancer does with the HAProxy version `haproxy -v` prints (docs/haproxy-versions.md):
 * below 2.0 it refuses to start; from 2.0 to 2.5 it runs, but every membership change (a server
 * added or deleted) is a reload, because `add server`/`del server` need 2.6. Fake binaries print
 * the version; the last test wraps the real HAProxy 2.6 in one that claims to be 2.4.
 */

type Cluster = ClusterState<HAProxyClusterConfig>;

const HAPROXY_24 = 'HAProxy version 2.4.22-0+deb11u1 2023/02/14 - https://haproxy.org/';

const dirs: TempDir[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => dir.cleanup()));
});

/** An executable `haproxy` in a temp dir running `script` (sh); returns its path. */
async function fakeHAProxy(script: string): Promise<string> {
  const dir = await createTempDir({ haproxy: `#!/bin/sh\n${script}\n` }, 'lh-haproxy-bin-');
  dirs.push(dir);
  const path = join(dir.dir, 'haproxy');
  await chmod(path, 0o755);
  return path;
}

/** A fake binary that prints `firstLine` (and a second line, as HAProxy does) for `-v`. */
function printing(firstLine: string): Promise<string> {
  return fakeHAProxy(`printf '%s\\nStatus: long-term supported branch\\n' '${firstLine}'`);
}

describe('detectVersion (haproxy -v)', () => {
  it('accepts 2.4, which is below the 2.6 that dynamic servers need', async () => {
    const version = await detectVersion(await printing(HAPROXY_24));
    expect(version).toEqual({ major: 2, minor: 4, patch: 22, text: '2.4.22-0+deb11u1' });
    expect(versionAtLeast(version, 2, 0)).toBe(true);
    expect(versionAtLeast(version, 2, 6)).toBe(false);
  });

  it('accepts 2.0 exactly and refuses 1.9 as Unavailable, naming the version', async () => {
    expect(await detectVersion(await printing('HAProxy version 2.0.0 2019/06/16'))).toMatchObject({
      major: 2,
      minor: 0,
    });
    const old = detectVersion(await printing('HA-Proxy version 1.9.16 2020/07/31'));
    await expect(old).rejects.toThrow(
      'HAProxy 1.9.16 is not supported: lighthouse needs HAProxy 2.0 or later',
    );
    await expect(old).rejects.toMatchObject({ code: ErrorCode.Unavailable });
  });

  it('refuses output it cannot read, quoting its first line', async () => {
    await expect(detectVersion(await printing('haproxy: command not understood'))).rejects.toThrow(
      'HAProxy unreadable ("haproxy: command not understood") is not supported: lighthouse needs HAProxy 2.0 or later',
    );
  });

  it('reports a binary that fails, with its command line', async () => {
    const failing = await fakeHAProxy('echo broken >&2; exit 3');
    await expect(detectVersion(failing)).rejects.toThrow(/^"[^"]+haproxy -v" failed: /);
  });
});

describe('planning without dynamic servers (HAProxy 2.0 to 2.5)', () => {
  const CONFIG: HAProxyConfig = {
    config_file: '/tmp/lighthouse-test/haproxy.cfg',
    socket_file: '/tmp/lighthouse-test/haproxy.sock',
    pid_file: '/tmp/lighthouse-test/haproxy.pid',
  };
  const a: Node = { host: 'a', ip: '10.0.0.1', port: 80, metadata: {} };
  const b: Node = { host: 'b', ip: '10.0.0.2', port: 80, metadata: {} };

  /** `show servers state` of backend web holding `nodes`, weight 1, ready. */
  function running(nodes: readonly Node[]): Map<string, ServerState[]> {
    const servers = nodes.map((node, index): ServerState => ({
      backendId: 3,
      backend: 'web',
      serverId: index + 1,
      server: `${node.host}:${node.port}`,
      address: node.ip,
      opState: 2,
      adminState: 0,
      weight: 1,
      initialWeight: 1,
      port: node.port,
      agentState: 0,
      agentPort: 0,
    }));
    return new Map([['web', servers]]);
  }

  function plan(nodes: readonly Node[], live: Map<string, ServerState[]>, dynamic: boolean) {
    const clusters: Cluster[] = [cluster('web', { port: 8080 }, nodes)];
    const desired = desiredState(CONFIG, clusters, { dynamicServers: dynamic });
    return planSync(desired, desired.structure, live);
  }

  it('reloads for a new server instead of "add server"', () => {
    const result = plan([a, b], running([a]), false);
    expect(result.commands).toEqual([]);
    expect(result).toMatchObject({
      reload: 'new server web/b:80: this HAProxy has no dynamic servers',
      cause: 'static',
    });
    // The same change on 2.6: runtime commands, no reload.
    const dynamic = plan([a, b], running([a]), true);
    expect(dynamic.reload).toBeUndefined();
    expect(dynamic.commands.map(commandLine)).toEqual([
      'add server web/b:80 10.0.0.2:80',
      'set server web/b:80 state ready',
    ]);
  });

  it('takes a removed server out of rotation at once, and reloads instead of "del server"', () => {
    const result = plan([a], running([a, b]), false);
    expect(result.commands.map(commandLine)).toEqual(['set server web/b:80 state maint']);
    expect(result).toMatchObject({
      reload: 'removed server web/b:80: this HAProxy has no dynamic servers',
      cause: 'static',
    });
  });

  it('still changes weights and drains at runtime', () => {
    const heavy = { ...a, metadata: { weight: 5 } };
    const draining = { ...b, metadata: { state: 'drain' } };
    const result = plan([heavy, draining], running([a, b]), false);
    expect(result.reload).toBeUndefined();
    expect(result.commands.map(commandLine)).toEqual([
      'set server web/a:80 weight 5',
      'set server web/b:80 state drain',
    ]);
  });
});

describe('a real HAProxy that says it is 2.4', () => {
  let fixture: Fixture | undefined;
  let backends: NamedBackend[] = [];
  afterEach(async () => {
    await fixture?.cleanup();
    for (const backend of backends) await backend.close();
    fixture = undefined;
    backends = [];
  });

  it('reloads once per membership change, logging why', async () => {
    requireHAProxy();
    const real = spawnSync('sh', ['-c', 'command -v haproxy'], { encoding: 'utf8' }).stdout.trim();
    // Prints 2.4 for -v and runs the real binary for everything else (-c, starts, reloads).
    const wrapper = await fakeHAProxy(
      `[ "$1" = "-v" ] && { echo '${HAPROXY_24}'; exit 0; }\nexec '${real}' "$@"`,
    );
    backends = await startBackends(['a', 'b']);
    const port = await freePort();
    fixture = await createFixture({ haproxy_binary: wrapper });
    const log = recordingLogger();
    const metrics = recordingMetrics();
    const balancer = await createBalancer(fixture.config, log, metrics);
    const web = (members: readonly NamedBackend[]): Cluster[] => [
      cluster(
        'web',
        { port },
        members.map((member) => member.node),
      ),
    ];
    try {
      expect(
        log.lines.find((line) => line.message === 'haproxy balancer ready')?.fields,
      ).toMatchObject({ haproxy: '2.4.22-0+deb11u1' });
      await balancer.sync(web(backends.slice(0, 1)));
      const start = await fixture.reloads();

      await balancer.sync(web(backends));
      expect(await fixture.reloads()).toBe(start + 1);
      expect(new Set(await bodies(port, 6))).toEqual(new Set(['a', 'b']));
      const reloaded = log.lines.filter((line) => line.message === 'reloaded HAProxy');
      expect(reloaded.at(-1)?.level).toBe('info');
      expect(reloaded.at(-1)?.fields['reason']).toBe(
        `new server web/b:${backends[1]!.port}: this HAProxy has no dynamic servers`,
      );

      await balancer.sync(web(backends.slice(1)));
      expect(await fixture.reloads()).toBe(start + 2);
      expect(
        log.lines.filter((line) => line.message === 'reloaded HAProxy').at(-1)?.fields,
      ).toMatchObject({
        reason: `removed server web/a:${backends[0]!.port}: this HAProxy has no dynamic servers`,
      });
      expect(new Set(await bodies(port, 4))).toEqual(new Set(['b']));
      // What the operator can see: the reload counter by cause, and the reasons in the status.
      const reloads = { kind: 'reload', cause: 'static', result: 'ok' };
      expect(metrics.value('lighthouse_haproxy_reloads_total', reloads)).toBe(2);
      const report = JSON.stringify(await balancer.describe?.());
      expect(report).toContain('reload: new server web/b:');
      expect(report).toContain('this HAProxy has no dynamic servers');
      // One warning at creation says why, nothing else at warn or error.
      expect(
        log.lines
          .filter((line) => line.level === 'warn' || line.level === 'error')
          .map((line) => line.message),
      ).toEqual([
        'this HAProxy cannot add or delete servers at runtime: every membership change reloads',
      ]);
    } finally {
      await balancer.close?.();
    }
  });
});
