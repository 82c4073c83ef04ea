import { describe, expect, it } from 'vitest';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, waitFor } from '@lighthouse/testing';
import type { Fleet } from './loop-harness.js';
// HAProxy internals the balancer package does not export, to look at HAProxy directly.
import { RuntimeApi } from '../packages/haproxy-balancer/src/runtime/runtime-api.js';
import { AdminFlags } from '../packages/haproxy-balancer/src/runtime/show-parsers.js';
import { answeredBy, httpRequest } from './loop-harness.js';
import { appWithReporter, routedTo, startWriter } from './loop-steps.js';
import { runCliOnce } from './support.js';
import { zooKeeperFleets } from './zookeeper-fleets.js';

/**
 * Maintenance mode through the real CLIs: `lighthouse down|up|status` against a running
 * `lighthouse reporter`, a real ZooKeeper, and a `lighthouse writer` with its HAProxy. What is
 * asserted is what HAProxy does.
 */

/** `lighthouse <command> … --config-dir <reporter id's dir>`. */
function cli(fleet: Fleet, id: string, args: readonly string[]) {
  return runCliOnce([...args, '--config-dir', fleet.reporterDir(id)]);
}

/** Milliseconds from `started` until `condition` holds (polled every 10 ms). */
async function millisUntil(
  started: number,
  condition: () => Promise<boolean>,
  what: string,
): Promise<number> {
  await waitFor(condition, { timeoutMs: 10_000, intervalMs: 10, what });
  return performance.now() - started;
}

describe('maintenance through the CLIs', () => {
  const zookeeper = zooKeeperFleets();

  /** A writer routing `web` to app-1 and app-2, each with its own reporter. */
  async function twoApps() {
    const fleet = await zookeeper.fleet();
    const cluster = await startWriter(fleet, 'web');
    const apps = [
      await appWithReporter(fleet, 'app-1', 'web'),
      await appWithReporter(fleet, 'app-2', 'web'),
    ];
    await routedTo(cluster.port, ['app-1', 'app-2']);
    return { fleet, cluster, apps };
  }

  const upPortsOf = (fleet: Fleet) => fleet.upPorts('web').catch(() => [] as number[]);

  it('down takes the node out in under a second, status shows why, up brings it back', async () => {
    const { fleet, cluster, apps } = await twoApps();
    const [app1] = apps;
    // The reporter must act within a second of the entry being written (when the command
    // returns); the total, the command's own Node start-up included, is printed.
    const downAt = performance.now();
    const down = await cli(fleet, 'app-1', ['down', 'web', '--reason', 'deploy']);
    expect(down.code, down.stderr).toBe(0);
    const downDone = performance.now();
    const outMs = await millisUntil(
      downDone,
      async () => !(await upPortsOf(fleet)).includes(app1!.port),
      'app-1 out of rotation',
    );
    console.info(
      `lighthouse down → out of rotation: ${(downDone - downAt + outMs).toFixed(0)} ms (${outMs.toFixed(0)} ms after the command returned)`,
    );
    expect(outMs).toBeLessThan(1_000);
    await routedTo(cluster.port, ['app-2']);

    const status = await cli(fleet, 'app-1', ['status']);
    expect(status.code).toBe(1);
    expect(status.stdout).toMatch(/web: down, since .*reason: deploy/);
    expect(status.stdout).toMatch(/reporter: running, pid \d+/);
    expect(status.stdout).toMatch(/web port \d+: healthy, not registered, in maintenance \(down\)/);
    const json = await cli(fleet, 'app-1', ['status', '--json']);
    const parsed = JSON.parse(json.stdout) as {
      down: boolean;
      maintenance: { entries: { service: string; reason: string; active: boolean }[] };
      reporter: { ports: { registered: boolean; maintenance?: { reason: string } }[] };
    };
    expect(parsed.down).toBe(true);
    expect(parsed.maintenance.entries).toMatchObject([
      { service: 'web', reason: 'deploy', active: true },
    ]);
    expect(parsed.reporter.ports).toMatchObject([
      { registered: false, maintenance: { reason: 'deploy' } },
    ]);

    const upAt = performance.now();
    const up = await cli(fleet, 'app-1', ['up', 'web']);
    expect(up.code, up.stderr).toBe(0);
    const upDone = performance.now();
    const backMs = await millisUntil(
      upDone,
      async () => (await upPortsOf(fleet)).includes(app1!.port),
      'app-1 back in rotation',
    );
    console.info(
      `lighthouse up → back in rotation: ${(upDone - upAt + backMs).toFixed(0)} ms (${backMs.toFixed(0)} ms after the command returned)`,
    );
    expect(backMs).toBeLessThan(1_000);
    await routedTo(cluster.port, ['app-1', 'app-2']);
    expect((await cli(fleet, 'app-1', ['status'])).code).toBe(0);
  });

  it('an entry --for 2s lapses by itself', async () => {
    const { fleet, cluster, apps } = await twoApps();
    const [app1] = apps;
    expect((await cli(fleet, 'app-1', ['down', 'web', '--for', '2s'])).code).toBe(0);
    await waitFor(async () => !(await upPortsOf(fleet)).includes(app1!.port), {
      what: 'app-1 out of rotation',
    });
    const started = performance.now();
    await waitFor(async () => (await upPortsOf(fleet)).includes(app1!.port), {
      timeoutMs: 6_000,
      intervalMs: 20,
      what: 'app-1 back by itself',
    });
    expect(performance.now() - started).toBeLessThan(3_500);
    await routedTo(cluster.port, ['app-1', 'app-2']);
    expect((await cli(fleet, 'app-1', ['status'])).code).toBe(0);
  });

  it('--port takes out only that port; all takes out every service', async () => {
    const fleet = await zookeeper.fleet();
    await startWriter(fleet, 'multi');
    const apps = [await fleet.app('port-a'), await fleet.app('port-b')];
    const [a, b] = apps.map((app) => app.port);
    await fleet.reporter('host', 'multi', [a!, b!]);
    const up = () => fleet.upPorts('multi').catch(() => [] as number[]);
    await waitFor(async () => (await up()).length === 2, { timeoutMs: 15_000, what: 'both up' });

    expect((await cli(fleet, 'host', ['down', 'multi', '--port', String(a)])).code).toBe(0);
    await waitFor(async () => JSON.stringify(await up()) === JSON.stringify([b]), {
      what: `only port ${b} up`,
    });
    expect((await cli(fleet, 'host', ['up', 'multi', '--port', String(a)])).code).toBe(0);
    await waitFor(async () => (await up()).length === 2, { what: 'both up again' });

    expect((await cli(fleet, 'host', ['down', 'all'])).code).toBe(0);
    await waitFor(async () => (await up()).length === 0, { what: 'all ports down' });
    expect((await cli(fleet, 'host', ['up', 'all'])).code).toBe(0);
    await waitFor(async () => (await up()).length === 2, { what: 'all ports back' });
  });

  it('--drain lets a request in flight finish while new requests go elsewhere', async () => {
    const { fleet, cluster, apps } = await twoApps();
    const [app1, app2] = apps;
    // Two slow requests at once: round robin gives one to each app, so app-1 holds a session.
    const slow = [1, 2].map(() => httpRequest(cluster.port, '/slow?ms=3000', 'GET', 8_000));
    const sessions = async (port: number) => {
      const runtime = new RuntimeApi(fleet.socketFile);
      try {
        const rows = await runtime.showStat('-1 4 -1');
        const server = (await fleet.servers('web')).find((s) => s.port === port);
        return Number(rows.find((row) => row['svname'] === server?.server)?.['scur'] ?? 0);
      } finally {
        runtime.reset();
      }
    };
    await waitFor(async () => (await sessions(app1!.port)) > 0, {
      what: 'a slow request in flight on app-1',
    });
    const drain = await cli(fleet, 'app-1', ['down', 'web', '--drain', '--reason', 'deploy']);
    expect(drain.code, drain.stderr).toBe(0);
    await waitFor(
      async () => {
        const server = (await fleet.servers('web')).find((s) => s.port === app1!.port);
        return server !== undefined && (server.adminState & AdminFlags.forcedDrain) !== 0;
      },
      { timeoutMs: 2_000, intervalMs: 20, what: 'app-1 in DRAIN' },
    );
    const fresh = await Promise.all(Array.from({ length: 6 }, () => httpRequest(cluster.port)));
    expect(fresh.map((answer) => answeredBy(answer.body))).toEqual(Array(6).fill(app2!.name));
    const finished = await Promise.all(slow);
    expect(finished.map((answer) => answer.status)).toEqual([200, 200]);
    expect(finished.map((answer) => answeredBy(answer.body)).sort()).toEqual(['app-1', 'app-2']);
    expect((await cli(fleet, 'app-1', ['up', 'web'])).code).toBe(0);
    await waitFor(
      async () => {
        const server = (await fleet.servers('web')).find((s) => s.port === app1!.port);
        return server !== undefined && (server.adminState & AdminFlags.forcedDrain) === 0;
      },
      { timeoutMs: 2_000, intervalMs: 20, what: 'app-1 READY again' },
    );
    await routedTo(cluster.port, ['app-1', 'app-2']);
  });

  it('down deregisters a failing port; up does not register a port whose checks fail', async () => {
    const { fleet, apps } = await twoApps();
    const [app1] = apps;
    await app1!.post('/fail');
    await waitFor(async () => !(await upPortsOf(fleet)).includes(app1!.port), {
      what: 'failing app-1 out',
    });
    expect((await cli(fleet, 'app-1', ['down', 'web'])).code).toBe(0);
    expect((await cli(fleet, 'app-1', ['up', 'web'])).code).toBe(0);
    // Asserting an absence: the reporter re-decides within 50 ms; give it several check rounds.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await upPortsOf(fleet)).not.toContain(app1!.port);
    await app1!.post('/recover');
    await waitFor(async () => (await upPortsOf(fleet)).includes(app1!.port), {
      what: 'recovered app-1 back',
    });
  });

  it('refuses hostile names and survives corrupt files, writing nothing outside its state', async () => {
    const { fleet, cluster, apps } = await twoApps();
    const dir = fleet.reporterDir('app-1');
    const state = join(dir, 'state', 'maintenance');
    for (const name of ['../x', 'a/b', 'x'.repeat(10_000), 'web\nall', 'wbe']) {
      const run = await cli(fleet, 'app-1', ['down', name]);
      expect(run.code, `down ${JSON.stringify(name.slice(0, 20))}`).toBe(1);
      expect(run.stderr).not.toContain('\n' + 'all');
    }
    const typo = await cli(fleet, 'app-1', ['down', 'wbe']);
    expect(typo.stderr).toContain('did you mean "web"?');
    expect((await cli(fleet, 'app-1', ['down', 'web', '--for', '5x'])).code).toBe(2);
    expect((await cli(fleet, 'app-1', ['down', 'web', '--port', '70000'])).code).toBe(2);
    // Nothing was written anywhere: not in the state, not beside it.
    expect((await readdir(join(dir, 'state'))).sort()).toEqual(['maintenance', 'reporter.sock']);
    expect(await readdir(state)).toEqual([]);
    expect((await readdir(dir)).sort()).toEqual([
      'discovery',
      'reporter.yaml',
      'services',
      'state',
    ]);

    await writeFile(join(state, 'web.json'), '{"service": "web", "mode": ');
    await writeFile(join(state, 'notes.txt'), 'hello');
    const status = await cli(fleet, 'app-1', ['status']);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/problem: notes\.txt: /);
    expect(status.stdout).toMatch(/problem: web\.json: /);
    // The reporter keeps running and routing: a corrupt file is not a maintenance entry.
    await routedTo(cluster.port, ['app-1', 'app-2']);
    expect((await cli(fleet, 'app-1', ['down', 'web'])).code).toBe(0);
    await waitFor(async () => !(await upPortsOf(fleet)).includes(apps[0]!.port), {
      what: 'app-1 out after the corrupt file was replaced',
    });
  });

  it('the health proxy answers HAProxy-style checks from the live state', async () => {
    const fleet = await zookeeper.fleet();
    const app = await fleet.app('app-1');
    const proxy = await freePort();
    await fleet.reporter('app-1', 'web', [app.port], 'app-1', [
      'health_proxy:',
      `  listen: 127.0.0.1:${proxy}`,
    ]);
    const ask = (path: string, method = 'GET') => httpRequest(proxy, path, method);
    await waitFor(async () => (await ask(`/http/web/${app.port}/`)).status === 200, {
      timeoutMs: 10_000,
      what: 'the proxy to report web healthy',
    });
    expect((await ask(`/tcp/web/${app.port}`, 'HEAD')).status).toBe(200);
    expect((await ask(`/http/web/${app.port}/`, 'OPTIONS')).status).toBe(200);
    expect((await ask(`/http/nope/${app.port}/`)).status).toBe(404);
    expect((await ask(`/http/web/1/`)).status).toBe(404);
    await app.post('/fail');
    await waitFor(async () => (await ask(`/http/web/${app.port}/`)).status === 503, {
      what: 'the proxy to report web failing',
    });
    await app.post('/recover');
    await waitFor(async () => (await ask(`/http/web/${app.port}/`)).status === 200, {
      what: 'web healthy again',
    });
    expect((await cli(fleet, 'app-1', ['down', 'web', '--reason', 'deploy'])).code).toBe(0);
    await waitFor(
      async () => {
        const answer = await ask(`/http/web/${app.port}/`);
        return answer.status === 503 && answer.body.includes('deploy');
      },
      { timeoutMs: 2_000, what: 'the proxy to report the maintenance' },
    );
    expect((await ask(`/spool/web/${app.port}/status`)).status).toBe(503);
    const status = await ask('/status');
    expect(JSON.parse(status.body)).toMatchObject({
      ports: [{ service: 'web', port: app.port, healthy: true }],
    });
  });
});
