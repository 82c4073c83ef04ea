import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, waitFor } from '@lighthouse/testing';
import { askDaemon, writerSocket } from '@lighthouse/core/engine';
import type { WriterStatus } from '@lighthouse/core/engine';
import type { ClusterSpec, Fleet } from './loop-harness.js';
import { routedTo } from './loop-steps.js';
import { runCliOnce, zookeeperClient } from './support.js';
import { loopbackApps, zooKeeperFleets } from './zookeeper-fleets.js';

/**
 * `lighthouse status` asking a real `lighthouse writer` (ZooKeeper discovery, the HAProxy it
 * runs) over writer.yaml's control socket. Members are registered straight in ZooKeeper, as
 * other machines' reporters would. The balancer's own report is its package's business: here
 * only that the writer includes it.
 */

interface StatusJson {
  down: boolean;
  reporter: unknown;
  writer: WriterStatus | null;
}

/**
 * Writes the writer's config dir for `clusters`, with a writer.yaml naming `<work>/writer-state`
 * and a reporter.yaml too, so that `lighthouse status` on that directory reads nothing outside
 * the test's own directory.
 */
async function writerConfig(fleet: Fleet, clusters: readonly ClusterSpec[]) {
  const dir = await fleet.writerConfig(clusters);
  const state = join(fleet.work, 'writer-state');
  await writeFile(join(dir, 'writer.yaml'), `state_dir: ${state}\n`);
  await writeFile(join(dir, 'reporter.yaml'), `state_dir: ${join(fleet.work, 'reporter-state')}\n`);
  return { dir, state };
}

describe('lighthouse status with a running writer', () => {
  const zookeeper = zooKeeperFleets();

  it('shows clusters, members, syncs and discovery; a membership change within a second', async () => {
    const fleet = await zookeeper.fleet();
    const cluster = { name: 'web', port: await freePort() };
    const { dir, state } = await writerConfig(fleet, [cluster]);
    fleet.startWriter();

    const { apps, node } = await loopbackApps(fleet, 2);
    const registrar = await zookeeperClient(zookeeper.connectString(), fleet.configBase);
    try {
      await registrar.publish([{ service: 'web', node: node(0) }]);
      await routedTo(cluster.port, ['app-1']);

      const status = (args: readonly string[] = []) =>
        runCliOnce(['status', ...args, '--config-dir', dir]);
      const json = async (): Promise<StatusJson> => {
        const run = await status(['--json']);
        expect(run.code, run.stderr).toBe(0);
        return JSON.parse(run.stdout) as StatusJson;
      };
      const first = await json();
      expect(first.writer).toMatchObject({
        daemon: 'writer',
        stateDir: state,
        clusters: [
          {
            name: 'web',
            discovery: 'zookeeper',
            balancers: ['haproxy'],
            discovered: true,
            members: [{ name: `app-1:${apps[0]!.port}`, host: 'app-1', ip: '127.0.0.1' }],
          },
        ],
        discovery: { zookeeper: { state: expect.any(String) } },
      });
      expect(first.writer?.balancers).toHaveProperty('haproxy');
      expect(first.writer?.sync.count).toBeGreaterThanOrEqual(1);
      expect(first.writer?.sync.error).toBeUndefined();
      expect(Date.parse(first.writer?.sync.lastAt ?? '')).toBeGreaterThan(Date.now() - 120_000);

      // A member joins: the writer's answer has it within a second.
      const members = (writer: WriterStatus | null | undefined) =>
        writer?.clusters.find((one) => one.name === 'web')?.members.map((one) => one.host) ?? [];
      const joinedAt = performance.now();
      await registrar.publish([0, 1].map((index) => ({ service: 'web', node: node(index) })));
      await waitFor(
        async () =>
          members((await askDaemon(writerSocket(state))) as WriterStatus).includes('app-2'),
        { timeoutMs: 5_000, intervalMs: 10, what: 'the writer to report app-2' },
      );
      const joinMs = performance.now() - joinedAt;
      console.info(`member joined → in the writer's status: ${joinMs.toFixed(0)} ms`);
      expect(joinMs).toBeLessThan(1_000);
      expect(members((await json()).writer)).toEqual(['app-1', 'app-2']);

      // A member leaves: `lighthouse status --json` itself, polled, shows it. The run that shows
      // it must have started within a second of the change (its own start-up, some 300 ms on an
      // idle machine, is not the writer's doing).
      const leftAt = performance.now();
      await registrar.publish([{ service: 'web', node: node(1) }]);
      const askedAt = await waitFor(
        async () => {
          const started = performance.now();
          return members((await json()).writer).join() === 'app-2' ? started : undefined;
        },
        { timeoutMs: 5_000, intervalMs: 10, what: 'lighthouse status to show app-1 gone' },
      );
      const leaveMs = askedAt - leftAt;
      console.info(
        `member left → lighthouse status --json started ${leaveMs.toFixed(0)} ms later shows it (${(performance.now() - leftAt).toFixed(0)} ms with the command's run)`,
      );
      expect(leaveMs).toBeLessThan(1_000);
      await routedTo(cluster.port, ['app-2']);

      const text = await status();
      expect(text.code).toBe(0);
      expect(text.stdout).toMatch(/^writer: running, pid \d+, last sync \S+ ago/m);
      expect(text.stdout).toContain('  cluster web (discovery zookeeper, haproxy): 1 member\n');
      expect(text.stdout).toContain(`    app-2:${apps[1]!.port} at 127.0.0.1:${apps[1]!.port}`);
      expect(text.stdout).toMatch(/^ {2}balancer haproxy: /m);
      expect(text.stdout).toMatch(/^ {2}discovery zookeeper: /m);
    } finally {
      await registrar.close();
    }
  });

  it('says the writer is not running once it stopped', async () => {
    const fleet = await zookeeper.fleet();
    const { dir, state } = await writerConfig(fleet, [{ name: 'web', port: await freePort() }]);
    const writer = fleet.startWriter();
    await waitFor(() => askDaemon(writerSocket(state)), { what: 'the writer to answer' });
    expect(await writer.stop()).toBe(0);
    const run = await runCliOnce(['status', '--json', '--config-dir', dir]);
    expect(JSON.parse(run.stdout)).toMatchObject({ writer: null });
  });
});
