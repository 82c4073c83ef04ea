import { afterAll, describe, expect, it } from 'vitest';
import { startFleet } from '../bench/fleet-harness.mjs';
import type { Fleet } from '../bench/fleet-harness.mjs';

/**
 * Issue 10's fleet on one machine, small: a 3-node ZooKeeper ensemble, 5 real writers each with
 * its own HAProxy, 200 registrations from 20 ZooKeeper sessions (the real zookeeper discovery
 * plugin, in this process), 10 backends. A rolling deploy (20 % leave and return, in 2 waves)
 * with requests flowing through every writer's HAProxy must reach every writer without a reload
 * and without a failed request. A correctness test: no timing assertions (bench/fleet.bench.mjs
 * measures).
 */
describe('a fleet on one machine', () => {
  let fleet: Fleet | undefined;
  afterAll(async () => {
    await fleet?.stop();
  });

  it('follows a rolling deploy on every writer: no reload, no failed request', async () => {
    fleet = await startFleet({
      writers: 5,
      clusters: 4,
      registrations: 200,
      sessions: 20,
      backends: 10,
    });
    await fleet.waitConverged(90_000);
    // The baseline after the start: each writer started its HAProxy (and may have reloaded while
    // it converged); from here on only membership changes, which must never reload.
    const before = await fleet.reloads();
    const requests = fleet.startRequests({ concurrency: 4 });
    let deploy: Awaited<ReturnType<Fleet['rollingDeploy']>>;
    try {
      // Each change must be visible on all writers within 10 s (it throws otherwise).
      deploy = await fleet.rollingDeploy({ fraction: 0.2, waves: 2, timeoutMs: 10_000 });
    } finally {
      await requests.stop();
    }
    const result = await requests.stop();
    const after = await fleet.reloads();

    expect(deploy.changes).toBe(2 * 2 * 40);
    expect(result.failures).toEqual([]);
    expect(result.ok).toBeGreaterThan(0);
    expect(
      after.map(({ writer, total, workerPid, master }) => ({ writer, total, workerPid, master })),
    ).toEqual(
      before.map(({ writer, total, workerPid, master }) => ({ writer, total, workerPid, master })),
    );
    const final = await fleet.converged();
    expect(final.mismatches).toEqual([]);
    for (const cluster of fleet.clusters) expect(fleet.expected(cluster)).toHaveLength(50);
  }, 180_000);
});
