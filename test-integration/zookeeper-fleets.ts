import { afterAll, afterEach, beforeAll } from 'vitest';
import { startZooKeeper } from '@lighthouse/testing';
import type { ZooKeeperServer } from '@lighthouse/testing';
import type { Node } from '@lighthouse/core';
import type { App, Fleet } from './loop-harness.js';
import { fleetOn } from './loop-steps.js';

/** What {@link zooKeeperFleets} gives a test file. */
export interface ZooKeeperFleets {
  /** The ZooKeeper's connect string (after `beforeAll`). */
  connectString(): string;
  /** A fleet on its own base path, stopped after the test (its logs printed if it failed). */
  fleet(): Promise<Fleet>;
}

/**
 * One ZooKeeper for a test file and the fleets of its tests: registers the hooks that start it,
 * stop every test's fleets after the test, and stop ZooKeeper at the end. Call it inside
 * `describe`.
 */
export function zooKeeperFleets(sessionTimeout = 4): ZooKeeperFleets {
  let zookeeper: ZooKeeperServer | undefined;
  const fleets: Fleet[] = [];
  beforeAll(async () => {
    zookeeper = await startZooKeeper();
  });
  afterEach(async () => {
    for (const fleet of fleets.splice(0)) await fleet.stop();
  });
  afterAll(async () => {
    await zookeeper?.stop();
  });
  const connectString = (): string => {
    if (zookeeper === undefined) throw new Error('ZooKeeper is not started (outside a test?)');
    return zookeeper.connectString;
  };
  return { connectString, fleet: () => fleetOn(connectString(), sessionTimeout, fleets) };
}

/**
 * Starts the fleet's apps `app-1`…`app-<count>` and gives the node each would register:
 * `node(0)` is app-1 on loopback at its port.
 */
export async function loopbackApps(fleet: Fleet, count: number) {
  const apps: App[] = [];
  for (let index = 1; index <= count; index++) apps.push(await fleet.app(`app-${index}`));
  const node = (index: number): Node => ({
    host: `app-${index + 1}`,
    ip: '127.0.0.1',
    port: apps[index]!.port,
    metadata: {},
  });
  return { apps, node };
}
