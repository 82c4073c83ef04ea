import { expect, onTestFailed } from 'vitest';
import { freePort, waitFor, zooKeeperCommand } from '@lighthouse/testing';
import { answeredBy, httpRequest } from './loop-harness.js';
import { Fleet } from './loop-harness.js';
import type { App, ClusterSpec } from './loop-harness.js';

/** Steps the whole-loop tests share (loop.test.ts, loop-outages.test.ts). */

let counter = 0;
/** A fresh ZooKeeper base path, so tests sharing a server never see each other's nodes. */
export const uniqueBase = () => `/lighthouse-loop-${process.pid}-${++counter}`;

/** The apps answering `count` sequential requests through HAProxy (failures as "status body"). */
export async function answers(port: number, count: number): Promise<string[]> {
  const result: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const { status, body } = await httpRequest(port);
    result.push(status === 200 ? (answeredBy(body) ?? body) : `${status} ${body}`);
  }
  return result;
}

/** Waits until requests through `port` are answered by exactly the apps in `names`. */
export async function routedTo(port: number, names: readonly string[], timeoutMs = 15_000) {
  const wanted = [...names].sort();
  await waitFor(
    async () => {
      const seen = [...new Set(await answers(port, names.length * 4))].sort();
      return JSON.stringify(seen) === JSON.stringify(wanted);
    },
    { timeoutMs, intervalMs: 50, what: `HAProxy to route to exactly ${wanted.join(', ')}` },
  );
}

/** Starts an app with its own reporter registering it in `service`. */
export async function appWithReporter(fleet: Fleet, name: string, service: string): Promise<App> {
  const app = await fleet.app(name);
  await fleet.reporter(name, service, [app.port]);
  return app;
}

/** Writes the writer config for one cluster on a free frontend port and starts the writer. */
export async function startWriter(fleet: Fleet, name: string): Promise<ClusterSpec> {
  const cluster = { name, port: await freePort() };
  await fleet.writerConfig([cluster]);
  fleet.startWriter();
  return cluster;
}

/**
 * The writer still follows membership after a disturbance: the last app fails its check and
 * leaves the rotation. (Before the fix in haproxy-balancer's clean-exec.ts, a daemonized HAProxy
 * inherited the writer's ZooKeeper socket and the writer never reconnected after an outage.)
 */
export async function convergesAfter(
  fleet: Fleet,
  backend: string,
  apps: readonly App[],
): Promise<void> {
  const failing = apps.at(-1) ?? expect.unreachable();
  const before = (await fleet.upPorts(backend)).length;
  await fetch(`http://127.0.0.1:${failing.port}/fail`, { method: 'POST' });
  await waitFor(async () => !(await fleet.upPorts(backend)).includes(failing.port), {
    timeoutMs: 15_000,
    what: 'the writer to drop the failing app',
  });
  expect((await fleet.upPorts(backend)).length).toBe(before - 1);
}

/** Whether a ZooKeeper server answers `ruok` on `port`. */
export const zooKeeperAnswers = async (port: number) =>
  (await zooKeeperCommand(port, 'ruok', 500).catch(() => '')) === 'imok';

/** A fleet on its own base path, registered for cleanup; its logs are printed if the test fails. */
export async function fleetOn(
  connectString: string,
  sessionTimeout: number,
  fleets: Fleet[],
): Promise<Fleet> {
  const fleet = await Fleet.create({ connectString, base: uniqueBase(), sessionTimeout });
  fleets.push(fleet);
  onTestFailed(() => console.error(fleet.logs()));
  return fleet;
}
