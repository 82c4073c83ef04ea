import { describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, waitFor } from '@lighthouse/testing';
// HAProxy internals the balancer package does not export, to look at HAProxy directly.
import { AdminFlags } from '../packages/haproxy-balancer/src/runtime/show-parsers.js';
import { routedTo } from './loop-steps.js';
import { runCliOnce } from './support.js';
import { zooKeeperFleets } from './zookeeper-fleets.js';

/**
 * Load feedback end to end: a `lighthouse reporter` whose service runs the HAProxy agent
 * (`agent:` in the service file, `@lighthouse/haproxy-agent`), a `lighthouse writer` that adds
 * `agent-check` from the node's metadata, and the real HAProxy asking the agent.
 */

describe('the HAProxy agent through the CLIs', () => {
  const zookeeper = zooKeeperFleets();

  it('turns a metric into the weight, and drain and up into states that do not stick', async () => {
    const fleet = await zookeeper.fleet();
    const cluster = { name: 'web', port: await freePort() };
    const writerDir = await fleet.writerConfig([cluster]);
    // Weights as percentages of 100, so the agent's 40% reads as weight 40.
    await writeFile(
      join(writerDir, 'clusters/web.yaml'),
      `discovery: zookeeper\nhaproxy:\n  port: ${cluster.port}\n  server_options: "weight 100"\n  backend:\n    - "mode http"\n`,
    );
    fleet.startWriter();
    const app1 = await fleet.app('app-1');
    const app2 = await fleet.app('app-2');
    const metric = join(fleet.work, 'app-1.load');
    await writeFile(metric, '100\n');
    const agentPort = await freePort();
    await fleet.reporter(
      'app-1',
      'web',
      [app1.port],
      'app-1',
      [],
      [
        'agent:',
        `  port: ${agentPort}`,
        '  listen_address: 127.0.0.1',
        '  interval: 0.5',
        '  weight:',
        `    file: ${metric}`,
        // Not about staleness (the agent tests cover it): a file written once stays in force,
        // however long a loaded machine takes between the writes below.
        '    stale_after: 600',
      ],
    );
    await fleet.reporter('app-2', 'web', [app2.port]);
    await routedTo(cluster.port, ['app-1', 'app-2']);
    const server = async () =>
      (await fleet.servers('web').catch(() => [])).find((s) => s.port === app1.port);
    await waitFor(async () => (await server())?.weight === 100, {
      timeoutMs: 10_000,
      what: 'the agent to report weight 100',
    });
    expect((await server())?.agentPort).toBe(agentPort);

    const written = performance.now();
    await writeFile(metric, '40\n');
    await waitFor(async () => (await server())?.weight === 40, {
      timeoutMs: 5_000,
      intervalMs: 20,
      what: 'weight 40 from the metric file',
    });
    console.info(`metric 40 → weight 40 in ${(performance.now() - written).toFixed(0)} ms`);

    const cli = (args: string[]) =>
      runCliOnce([...args, '--config-dir', fleet.reporterDir('app-1')]);
    expect((await cli(['down', 'web', '--drain'])).code).toBe(0);
    const drained = async () => ((await server())?.adminState ?? 0) & AdminFlags.forcedDrain;
    await waitFor(async () => (await drained()) !== 0, { what: 'DRAIN' });
    expect((await cli(['up', 'web'])).code).toBe(0);
    await waitFor(async () => (await drained()) === 0 && (await server())?.weight === 40, {
      timeoutMs: 5_000,
      what: 'READY again with the metric weight (nothing stuck)',
    });
    await writeFile(metric, '70\n');
    await waitFor(async () => (await server())?.weight === 70, {
      timeoutMs: 5_000,
      what: 'the agent in charge again after up',
    });
  });
});
