import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTempConfigDir } from '@lighthouse/testing';
import type { TempDir } from '@lighthouse/testing';
import { silentLogger } from '@lighthouse/core';
import { startControlSocket, writerSocket } from '@lighthouse/core/engine';
import type { ControlSocket, WriterStatus } from '@lighthouse/core/engine';
import { runCli } from './run-cli.js';

/**
 * The writer's part of `lighthouse status`, against a stand-in writer socket serving a fixed
 * status (hostile strings included). With the real writer, ZooKeeper and HAProxy:
 * test-integration/writer-status.test.ts.
 */

const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

/** The stand-in's status, its times relative to when it is asked (half a second off a unit). */
const status = (): WriterStatus => ({
  daemon: 'writer',
  pid: 4242,
  stateDir: '/ignored',
  clusters: [
    {
      name: 'api',
      discovery: 'zookeeper',
      balancers: ['haproxy'],
      discovered: false,
      members: [],
    },
    {
      name: 'web',
      discovery: 'zookeeper',
      balancers: ['haproxy'],
      discovered: true,
      members: [
        { name: 'app-1:8080', host: 'app-1', ip: '10.0.0.1', port: 8080 },
        { name: 'app-2:8080', host: 'app-2', ip: '10.0.0.2', port: 8080 },
        { name: 'evil\u001b[31m:1', host: 'evil\u001b[31m', ip: '10.0.0.3', port: 1 },
      ],
    },
  ],
  balancers: {
    broken: { error: 'describe() did not answer within 2000 ms' },
    haproxy: {
      clusters: [
        {
          name: 'web',
          members: [
            { name: 'app-1:8080', address: '10.0.0.1', port: 8080, state: 'ready' },
            {
              name: 'app-2:8080',
              address: '10.0.0.2',
              port: 8080,
              state: 'drain',
              setBy: 'operator',
            },
            { name: 'gone:9', address: '10.0.0.9', port: 9, state: 'maint' },
          ],
        },
      ],
      reloads: [
        { at: ago(3_600_500), reason: 'start', ok: true },
        { at: ago(120_500), reason: 'new backend web', ok: true },
        { at: ago(60_500), reason: 'bad\nline', ok: false },
        { at: ago(5_500), reason: 'new server app-2:8080', ok: true },
      ],
      facts: { version: '2.8.5', pid: 99 },
    },
  },
  discovery: {
    other: { state: 'unknown' },
    zookeeper: { state: 'CONNECTED', facts: { session: '0x1f', reconnects: 2 } },
  },
  sync: {
    count: 17,
    failures: 1,
    lastAt: ago(2_500),
    lastDurationMs: 3.5,
    error: 'balancer sync failed (haproxy: reload\nrefused)',
  },
});

describe('lighthouse status: the writer', () => {
  let dir: TempDir;
  let state: string;
  let socket: ControlSocket | undefined;
  beforeEach(async () => {
    dir = await createTempConfigDir({});
    state = join(dir.dir, 'writer-state');
    await dir.write('reporter.yaml', `state_dir: ${join(dir.dir, 'reporter-state')}\n`);
    await dir.write('writer.yaml', `state_dir: ${state}\n`);
  });
  afterEach(async () => {
    await socket?.close();
    socket = undefined;
    await dir.cleanup();
  });

  const lighthouse = (args: readonly string[]) => runCli([...args, '--config-dir', dir.dir]);

  it('says the writer does not run when nothing answers on its socket', async () => {
    const text = await lighthouse(['status']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`writer: not running (no answer on ${writerSocket(state)})`);
    const json = JSON.parse((await lighthouse(['status', '--json'])).stdout);
    expect(json).toMatchObject({ down: false, reporter: null, writer: null });
  });

  it('shows clusters, members with their balancer state, syncs, reloads and discovery', async () => {
    socket = await startControlSocket(writerSocket(state), status, silentLogger);
    const run = await lighthouse(['status']);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.split('\n');
    const from = lines.findIndex((line) => line.startsWith('writer: '));
    expect(lines.slice(from)).toEqual([
      expect.stringMatching(
        /^writer: running, pid 4242, last sync 2s ago \(took 3\.5 ms\), 17 syncs, 1 failed; the last failed: balancer sync failed \(haproxy: reload\\u000arefused\)$/,
      ),
      '  cluster api (discovery zookeeper, haproxy): not discovered yet',
      '  cluster web (discovery zookeeper, haproxy): 3 members',
      '    app-1:8080 at 10.0.0.1:8080: haproxy ready',
      '    app-2:8080 at 10.0.0.2:8080: haproxy drain (set by operator)',
      '    evil\\u001b[31m:1 at 10.0.0.3:1: haproxy has no such server',
      '    gone:9 at 10.0.0.9:9: haproxy maint, not reported by discovery',
      '  balancer broken: cannot tell (describe() did not answer within 2000 ms)',
      '  balancer haproxy: 4 reloads recorded; version 2.8.5, pid 99',
      '    reload 2m ago: new backend web',
      '    failed reload 1m ago: bad\\u000aline',
      '    reload 5s ago: new server app-2:8080',
      '  discovery other: unknown',
      '  discovery zookeeper: CONNECTED; session 0x1f, reconnects 2',
      '',
    ]);
    expect(run.stdout).not.toContain('\u001b');

    const json = JSON.parse((await lighthouse(['status', '--json'])).stdout);
    const { clusters, discovery } = status();
    expect(json.writer).toMatchObject({ pid: 4242, clusters, discovery, sync: { count: 17 } });
    expect(Object.keys(json.writer.balancers)).toEqual(['broken', 'haproxy']);
  });

  it('goes on without the writer when writer.yaml is invalid, with the same exit code', async () => {
    await dir.write('writer.yaml', 'state_dir: relative\n');
    const run = await lighthouse(['status']);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/writer\.yaml.*\/state_dir: "relative" is not an absolute path/);
    expect(run.stdout).toContain('maintenance (');
    expect(run.stdout).toContain('writer: unknown (writer.yaml is invalid)');
    const json = await lighthouse(['status', '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ writer: null });
  });

  it('takes the default state directory without writer.yaml', async () => {
    await dir.remove('writer.yaml');
    const run = await lighthouse(['status']);
    expect(run.stdout).toMatch(
      /^writer: (not running \(no answer on \/var\/lib\/lighthouse\/writer\.sock\)|running)/m,
    );
  });

  it('--help tells what it shows of the writer', async () => {
    const run = await runCli(['status', '--help']);
    expect(run.stdout).toContain('writer.sock');
    expect(run.stdout).toContain('"writer"');
  });
});
