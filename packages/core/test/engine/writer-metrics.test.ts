import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import Type from 'typebox';
import {
  freePort,
  MemoryDiscoveryBackend,
  memoryDiscoveryPlugin,
  recordingMetrics,
  waitFor,
} from '@lighthouse/testing';
import type { RecordingMetrics } from '@lighthouse/testing';
import { defineBalancer, defineDiscovery } from '@lighthouse/core';
import type { Metrics, Node } from '@lighthouse/core';
import { startMemoryWriter } from '../helpers/memory-writer.js';

/** The writer's own metrics, what its plugins get, and `writer.yaml`'s `metrics.listen`. */

const node = (host: string, port: number): Node => ({ host, ip: '10.0.0.1', port, metadata: {} });

/** A balancer named `probe` that counts its instances in the metrics its context carries. */
const probeBalancer = defineBalancer({
  name: 'probe',
  description: 'Counts its instances in context.metrics.',
  configSchema: Type.Object({}, { additionalProperties: true }),
  clusterSchema: Type.Object({}, { additionalProperties: true }),
  create: (_config, context) => {
    context.metrics
      .counter({ name: 'lighthouse_probe_instances_total', help: 'Probe balancers created.' })
      .inc();
    return { sync: async () => undefined };
  },
});

/** The memory discovery, remembering the metrics each instance's context carried. */
function watchedDiscovery(backend: MemoryDiscoveryBackend) {
  const inner = memoryDiscoveryPlugin(backend);
  const seen: Metrics[] = [];
  const plugin = defineDiscovery({
    name: inner.name,
    configSchema: inner.configSchema,
    create: (config, context) => {
      seen.push(context.metrics);
      return inner.create(config, context);
    },
  });
  return { plugin, seen };
}

/** The series of `name` and their values, keyed like `cluster="web"`. */
const series = (metrics: RecordingMetrics, name: string) =>
  Object.fromEntries(metrics.metrics.get(name)?.values ?? []);

async function scrape(port: number): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  expect(response.status).toBe(200);
  return response.text();
}

describe('Writer metrics', () => {
  it('hands every plugin instance the daemon registry', async () => {
    const metrics = recordingMetrics();
    const backend = new MemoryDiscoveryBackend();
    const discovery = watchedDiscovery(backend);
    await startMemoryWriter({
      backend,
      discovery: discovery.plugin,
      metrics,
      plugins: [probeBalancer],
      files: { 'balancers/probe.yaml': '{}\n' },
    });
    expect(metrics.value('lighthouse_probe_instances_total')).toBe(1);
    expect(discovery.seen).toEqual([metrics]);
  });

  it('follows each cluster: members, discovered, and the series go with the cluster', async () => {
    const metrics = recordingMetrics();
    const backend = new MemoryDiscoveryBackend();
    backend.failNext('watch');
    const { recorder, dir } = await startMemoryWriter({ backend, metrics });
    expect(metrics.value('lighthouse_writer_cluster_discovered', { cluster: 'web' })).toBe(0);
    expect(metrics.metrics.get('lighthouse_writer_cluster_members')?.values).toEqual(
      new Map([['cluster="web"', 0]]),
    );
    await recorder.waitFor((clusters) => clusters[0]?.discovered === true);
    expect(metrics.value('lighthouse_writer_cluster_discovered', { cluster: 'web' })).toBe(1);

    backend.put('web', node('app01', 80));
    backend.put('web', node('app02', 80));
    await waitFor(
      () => metrics.value('lighthouse_writer_cluster_members', { cluster: 'web' }) === 2,
      { what: 'two members' },
    );
    // Refused nodes are not members.
    backend.put('web', { ...node('app03', 80), ip: 'not an ip' });
    await recorder.waitFor((clusters) => clusters[0]?.nodes.length === 2);
    expect(metrics.value('lighthouse_writer_cluster_members', { cluster: 'web' })).toBe(2);

    await dir.write('clusters/api.yaml', 'discovery: memory\nrecording: {}\n');
    await waitFor(
      () => metrics.value('lighthouse_writer_cluster_discovered', { cluster: 'api' }) === 1,
      { what: 'the new cluster discovered' },
    );
    await dir.remove('clusters/web.yaml');
    await waitFor(
      () => series(metrics, 'lighthouse_writer_cluster_members')['cluster="web"'] === undefined,
      {
        what: "the removed cluster's series to go",
      },
    );
    expect(series(metrics, 'lighthouse_writer_cluster_members')).toEqual({ 'cluster="api"': 0 });
    expect(series(metrics, 'lighthouse_writer_cluster_discovered')).toEqual({ 'cluster="api"': 1 });
  });

  it('times syncs by result, and change-to-sync latency across a failed sync', async () => {
    const metrics = recordingMetrics();
    const { backend, recorder } = await startMemoryWriter({ metrics });
    await recorder.waitFor((clusters) => clusters[0]?.discovered === true);
    expect(metrics.value('lighthouse_writer_syncs_total', { result: 'ok' })).toBeGreaterThan(0);
    expect(series(metrics, 'lighthouse_writer_syncs_total')).toHaveProperty('result="failed"', 0);
    const latencies = () =>
      metrics.metrics.get('lighthouse_writer_change_to_sync_seconds')?.observations.get('') ?? [];
    await waitFor(() => latencies().length >= 1, { what: 'the first change applied' });

    // One burst, one sync: one observation for the cluster, however many updates it had.
    const before = latencies().length;
    const syncsBefore = recorder.syncs.length;
    for (let port = 1; port <= 20; port++) backend.put('web', node('app', port));
    await recorder.waitFor((clusters) => clusters[0]?.nodes.length === 20);
    await waitFor(() => latencies().length - before === recorder.syncs.length - syncsBefore, {
      what: 'one observation per sync',
    });
    for (const seconds of latencies()) expect(seconds).toBeGreaterThanOrEqual(0);
    for (const seconds of latencies()) expect(seconds).toBeLessThan(5);

    // A failed sync: counted as failed; the change waits for the retry, which observes it once.
    const failedBefore = metrics.value('lighthouse_writer_syncs_total', { result: 'failed' });
    const observed = latencies().length;
    recorder.failNext();
    const changedAt = performance.now();
    backend.put('web', node('late', 1));
    await recorder.waitFor((clusters) => clusters[0]?.nodes.length === 21, {
      what: 'the retried sync',
    });
    const retriedAfter = (performance.now() - changedAt) / 1000;
    await waitFor(() => latencies().length > observed, { what: 'the retry to be observed' });
    expect(metrics.value('lighthouse_writer_syncs_total', { result: 'failed' })).toBe(
      failedBefore + 1,
    );
    expect(
      metrics.value('lighthouse_writer_sync_duration_seconds', { result: 'failed' }),
    ).toBeGreaterThanOrEqual(1);
    const latest = latencies().at(-1) ?? 0;
    // It covers the failed sync and the back-off (250 ms ± 20 %), not only the last sync.
    expect(latest).toBeGreaterThanOrEqual(0.19);
    expect(latest).toBeLessThanOrEqual(retriedAfter + 0.05);
  });

  it('counts rejected config files by kind', async () => {
    const metrics = recordingMetrics();
    const { dir, recorder } = await startMemoryWriter({ metrics });
    const rejections = () => series(metrics, 'lighthouse_config_rejections_total');
    expect(rejections()).toEqual({
      'daemon="writer",kind="logging"': 0,
      'daemon="writer",kind="writer"': 0,
      'daemon="writer",kind="balancers"': 0,
      'daemon="writer",kind="discovery"': 0,
      'daemon="writer",kind="clusters"': 0,
    });
    await dir.writeAtomic('clusters/web.yaml', 'discovery: memory\nrecording:\n  port: nope\n');
    await waitFor(() => rejections()['daemon="writer",kind="clusters"'] === 1, {
      what: 'the rejected cluster file to be counted',
    });
    await dir.write('writer.yaml', 'metrics: {listen: "nowhere"}\n');
    await waitFor(() => rejections()['daemon="writer",kind="writer"'] === 1, {
      what: 'the rejected writer.yaml to be counted',
    });
    // The previous version stays in force.
    expect(recorder.syncs.at(-1)?.[0]?.config).toEqual({ port: 8000 });
  });
});

describe("writer.yaml's metrics.listen", () => {
  it('starts, moves and stops the exporter live, serving the writer and its plugins', async () => {
    const port = await freePort();
    const { backend, dir, logger } = await startMemoryWriter({
      plugins: [probeBalancer],
      files: {
        'writer.yaml': `metrics:\n  listen: 127.0.0.1:${port}\n`,
        'balancers/probe.yaml': '{}\n',
      },
    });
    backend.put('web', node('app01', 80));
    await waitFor(
      async () =>
        (await scrape(port)).includes('lighthouse_writer_cluster_members{cluster="web"} 1'),
      { what: 'the member on /metrics' },
    );
    const text = await scrape(port);
    expect(text).toContain('# HELP lighthouse_writer_syncs_total ');
    expect(text).toMatch(/^lighthouse_writer_syncs_total\{result="ok"\} [1-9]/m);
    expect(text).toContain('lighthouse_writer_cluster_discovered{cluster="web"} 1');
    expect(text).toContain('# TYPE lighthouse_writer_sync_duration_seconds histogram');
    expect(text).toMatch(/^lighthouse_writer_change_to_sync_seconds_count [1-9]/m);
    expect(text).toContain('lighthouse_probe_instances_total 1');
    expect(text).toContain('lighthouse_config_rejections_total{daemon="writer",kind="clusters"} 0');
    // The engine's own registry leaves the process metrics to the host.
    expect(text).not.toContain('process_cpu');

    const moved = await freePort();
    await dir.writeAtomic('writer.yaml', `metrics:\n  listen: "127.0.0.1:${moved}"\n`);
    await waitFor(
      () =>
        scrape(moved).then(
          () => true,
          () => false,
        ),
      {
        what: 'the exporter on the new port',
      },
    );
    await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();

    await dir.writeAtomic('writer.yaml', `state_dir: ${dir.dir}/state\n`);
    await waitFor(
      () =>
        fetch(`http://127.0.0.1:${moved}/metrics`).then(
          () => false,
          () => true,
        ),
      {
        what: 'the exporter to stop',
      },
    );
    expect(logger.matching('info', 'metrics exporter closed').length).toBe(2);
  });

  it('logs a port in use and keeps syncing; a later edit tries again', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const address = blocker.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const { backend, recorder, dir, logger } = await startMemoryWriter({
      files: { 'writer.yaml': `metrics: {listen: "127.0.0.1:${port}"}\n` },
    });
    const failures = () =>
      logger.matching('error', 'the metrics exporter cannot listen; writer.yaml metrics.listen');
    expect(failures()).toHaveLength(1);
    expect(failures()[0]?.fields).toMatchObject({ listen: `127.0.0.1:${port}` });
    expect(String(failures()[0]?.fields['error'])).toContain('in use');
    backend.put('web', node('app01', 80));
    await recorder.waitFor((clusters) => clusters[0]?.nodes.length === 1);

    await new Promise<void>((resolve) => blocker.close(() => resolve()));
    await dir.writeAtomic(
      'writer.yaml',
      `state_dir: ${dir.dir}/elsewhere\nmetrics: {listen: "127.0.0.1:${port}"}\n`,
    );
    await waitFor(
      () =>
        scrape(port).then(
          () => true,
          () => false,
        ),
      {
        what: 'the exporter once the port is free and writer.yaml changed',
      },
    );
  });
});
