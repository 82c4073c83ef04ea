import { describe, expect, it } from 'vitest';
import { MemoryDiscoveryBackend, waitFor } from '@lighthouse/testing';
import type { Node } from '@lighthouse/core';
import { startMemoryWriter } from '../helpers/memory-writer.js';

const node = (host: string, port: number): Node => ({ host, ip: '10.0.0.1', port, metadata: {} });

describe('Writer engine', () => {
  const start = (backend = new MemoryDiscoveryBackend()) =>
    startMemoryWriter({ backend, coalesce: { minMs: 20, maxMs: 20 } });

  it('hands the balancer each cluster with its section and its members', async () => {
    const backend = new MemoryDiscoveryBackend();
    backend.put('web', node('app02', 80));
    backend.put('web', node('app01', 80));
    const { recorder } = await start(backend);
    const topology = await recorder.waitFor((clusters) => clusters[0]?.nodes.length === 2);
    expect(topology).toEqual([
      {
        name: 'web',
        config: { port: 8000 },
        discovered: true,
        nodes: [node('app01', 80), node('app02', 80)],
      },
    ]);
  });

  it('coalesces a burst of membership changes into few syncs', async () => {
    const { backend, recorder } = await start();
    await recorder.waitFor((clusters) => clusters[0]?.discovered === true);
    const before = recorder.syncs.length;
    for (let port = 1; port <= 100; port++) backend.put('web', node('app', port));
    await recorder.waitFor((clusters) => clusters[0]?.nodes.length === 100);
    expect(recorder.syncs.length - before).toBeLessThanOrEqual(3);
  });

  it('keeps the last members while discovery is unreachable', async () => {
    const { backend, recorder, writer: running } = await start();
    backend.put('web', node('app01', 80));
    await recorder.waitFor((clusters) => clusters[0]?.nodes.length === 1);
    backend.setOnline(false);
    await running.synced();
    expect(recorder.members('web')).toEqual(['app01:80']);
  });

  it('says a cluster is not discovered yet until discovery has reported it', async () => {
    const backend = new MemoryDiscoveryBackend();
    backend.failNext('watch');
    const { recorder } = await start(backend);
    await waitFor(() => recorder.syncs.length > 0, { what: 'the first sync' });
    expect(recorder.syncs[0]?.[0]).toMatchObject({ name: 'web', discovered: false, nodes: [] });
    await recorder.waitFor((clusters) => clusters[0]?.discovered === true, {
      what: 'the watch retry',
    });
  });

  it('follows cluster files being added, changed and removed', async () => {
    const { recorder, dir } = await start();
    await dir.write('clusters/api.yaml', 'discovery: memory\nrecording: {}\n');
    await recorder.waitFor(
      (clusters) => clusters.map((cluster) => cluster.name).join() === 'api,web',
    );
    await dir.writeAtomic('clusters/web.yaml', 'discovery: memory\nrecording:\n  port: 9000\n');
    await recorder.waitFor(
      (clusters) =>
        clusters[1]?.config !== undefined &&
        (clusters[1].config as { port?: number }).port === 9000,
    );
    await dir.remove('clusters/api.yaml');
    await recorder.waitFor((clusters) => clusters.map((cluster) => cluster.name).join() === 'web');
  });

  it('retries a failed sync', async () => {
    const { backend, recorder } = await start();
    await recorder.waitFor((clusters) => clusters[0]?.discovered === true);
    recorder.failNext();
    backend.put('web', node('app01', 80));
    await recorder.waitFor((clusters) => clusters[0]?.nodes.length === 1, {
      what: 'the retried sync',
    });
  });
});
