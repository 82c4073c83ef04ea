import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, waitFor } from '@lighthouse/testing';
import { routedTo } from './loop-steps.js';
import { zookeeperClient } from './support.js';
import { loopbackApps, zooKeeperFleets } from './zookeeper-fleets.js';

/**
 * `metrics.listen` of real `lighthouse writer` and `lighthouse reporter` processes (ZooKeeper
 * discovery, the HAProxy the writer runs): Prometheus' view of membership follows a change within
 * a second, and the plugins record into the daemon's registry, not into a private one.
 */

/** The body of `GET /metrics`, or '' while nothing answers. */
async function scrape(port: number): Promise<string> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/metrics`);
    return response.ok ? await response.text() : '';
  } catch {
    return '';
  }
}

/** The value of one series (`name{labels}` exactly as exported), if it is exported. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((one) => one.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** Polls `/metrics` until `test` holds; resolves with when it was first seen (performance.now). */
async function seen(port: number, test: (text: string) => boolean, what: string) {
  return waitFor(
    async () => {
      const asked = performance.now();
      return test(await scrape(port)) ? asked : undefined;
    },
    { timeoutMs: 10_000, intervalMs: 10, what },
  );
}

describe('metrics.listen of the daemons', () => {
  const zookeeper = zooKeeperFleets();

  it("the writer's /metrics follows membership within a second, with HAProxy's metrics", async () => {
    const fleet = await zookeeper.fleet();
    const cluster = { name: 'web', port: await freePort() };
    const metricsPort = await freePort();
    const dir = await fleet.writerConfig([cluster]);
    await writeFile(
      join(dir, 'writer.yaml'),
      `state_dir: ${join(fleet.work, 'writer-state')}\nmetrics:\n  listen: 127.0.0.1:${metricsPort}\n`,
    );
    fleet.startWriter();
    const members = (text: string) =>
      sample(text, 'lighthouse_writer_cluster_members{cluster="web"}');
    await seen(
      metricsPort,
      (text) => sample(text, 'lighthouse_writer_cluster_discovered{cluster="web"}') === 1,
      'the writer to have discovered web',
    );

    const { node } = await loopbackApps(fleet, 2);
    const registrar = await zookeeperClient(zookeeper.connectString(), fleet.configBase);
    try {
      const joinedAt = performance.now();
      await registrar.publish([{ service: 'web', node: node(0) }]);
      const joinMs =
        (await seen(metricsPort, (text) => members(text) === 1, 'one member')) - joinedAt;
      console.info(`member joined → on /metrics: ${joinMs.toFixed(0)} ms`);
      expect(joinMs).toBeLessThan(1_000);
      await routedTo(cluster.port, ['app-1']);

      // A second member goes in at runtime (no reload): HAProxy's command counter shows it.
      const secondAt = performance.now();
      await registrar.publish([0, 1].map((index) => ({ service: 'web', node: node(index) })));
      const secondMs =
        (await seen(metricsPort, (text) => members(text) === 2, 'two members')) - secondAt;
      expect(secondMs).toBeLessThan(1_000);
      await routedTo(cluster.port, ['app-1', 'app-2']);
      const text = await seen(
        metricsPort,
        (body) => /^lighthouse_haproxy_runtime_commands_total\{/m.test(body),
        'a runtime command counted',
      ).then(() => scrape(metricsPort));
      expect(text).toMatch(/^lighthouse_writer_syncs_total\{result="ok"\} [1-9]/m);
      expect(text).toMatch(/^lighthouse_writer_sync_duration_seconds_count\{result="ok"\} [1-9]/m);
      expect(text).toMatch(/^lighthouse_writer_change_to_sync_seconds_count [1-9]/m);
      expect(text).toMatch(/^lighthouse_haproxy_reloads_total\{/m);
      expect(sample(text, 'lighthouse_zookeeper_session_state{state="CONNECTED"}')).toBe(1);
      expect(text).toContain(
        'lighthouse_config_rejections_total{daemon="writer",kind="clusters"} 0',
      );
      // The CLI's registry carries the process metrics too.
      expect(text).toMatch(/^process_cpu_user_seconds_total /m);
      expect(text).not.toMatch(/127\.0\.0\.1|app-1/);

      const leftAt = performance.now();
      await registrar.publish([{ service: 'web', node: node(1) }]);
      const leaveMs =
        (await seen(metricsPort, (body) => members(body) === 1, 'app-1 gone')) - leftAt;
      console.info(`member left → on /metrics: ${leaveMs.toFixed(0)} ms`);
      expect(leaveMs).toBeLessThan(1_000);
    } finally {
      await registrar.close();
    }
  });

  it("the reporter's /metrics shows its check results and registrations", async () => {
    const fleet = await zookeeper.fleet();
    const app = await fleet.app('app-1');
    const metricsPort = await freePort();
    await fleet.reporter('app-1', 'web', [app.port], 'app-1', [
      'metrics:',
      `  listen: 127.0.0.1:${metricsPort}`,
    ]);
    const labels = `service="web",port="${app.port}"`;
    await seen(
      metricsPort,
      (text) => sample(text, `lighthouse_reporter_registered{${labels}}`) === 1,
      'the port registered',
    );
    const text = await scrape(metricsPort);
    expect(
      sample(
        text,
        'lighthouse_reporter_check_results_total{service="web",check="http",result="pass"}',
      ),
    ).toBeGreaterThanOrEqual(1);
    expect(sample(text, `lighthouse_reporter_port_healthy{${labels}}`)).toBe(1);
    expect(text).toMatch(
      /^lighthouse_reporter_check_duration_seconds_count\{service="web",check="http"\} [1-9]/m,
    );
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
    expect(sample(text, 'lighthouse_zookeeper_session_state{state="CONNECTED"}')).toBe(1);
    expect(sample(text, 'lighthouse_zookeeper_registrations')).toBe(1);

    await app.post('/fail');
    await seen(
      metricsPort,
      (body) =>
        (sample(
          body,
          'lighthouse_reporter_check_results_total{service="web",check="http",result="fail"}',
        ) ?? 0) >= 1 &&
        sample(body, `lighthouse_reporter_port_healthy{${labels}}`) === 0 &&
        sample(body, `lighthouse_reporter_registered{${labels}}`) === 0,
      'the failing check, the port unhealthy and deregistered',
    );
  });
});
