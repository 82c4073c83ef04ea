import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { freePort, recordingLogger, recordingMetrics } from '@lighthouse/testing';
import { MetricsEndpoint, isMetricsSource } from '../../src/engine/metrics-endpoint.js';
import { createMetrics } from '../../src/metrics/registry.js';

/** A daemon's `metrics.listen` applied live: start, restart, stop, and a port in use. */

const loopback = (port: number) => ({ host: '127.0.0.1', port });

async function scrape(port: number): Promise<string | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/metrics`);
    return await response.text();
  } catch {
    return undefined;
  }
}

async function occupy(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { server, port: typeof address === 'object' && address !== null ? address.port : 0 };
}

function endpoint(metrics = createMetrics({ defaultMetrics: false })) {
  metrics.counter({ name: 'lighthouse_test_runs_total', help: 'Runs.' }).inc();
  const logger = recordingLogger();
  const served = new MetricsEndpoint(metrics, logger, 'writer.yaml');
  onTestFinished(() => served.close());
  return { served, logger };
}

describe('MetricsEndpoint', () => {
  it('starts on a new address, moves on a changed one, stops without one', async () => {
    const { served, logger } = endpoint();
    await served.apply(undefined);
    expect(served.url).toBeUndefined();
    const first = await freePort();
    await served.apply(loopback(first));
    expect(served.url).toBe(`http://127.0.0.1:${first}/metrics`);
    expect(await scrape(first)).toContain('lighthouse_test_runs_total 1');

    await served.apply(loopback(first));
    expect(logger.matching('info', 'metrics exporter listening')).toHaveLength(1);

    const second = await freePort();
    await served.apply(loopback(second));
    expect(await scrape(second)).toContain('lighthouse_test_runs_total 1');
    expect(await scrape(first)).toBeUndefined();

    await served.apply(undefined);
    expect(served.url).toBeUndefined();
    expect(await scrape(second)).toBeUndefined();
  });

  it('logs a port in use as an error, and tries again when applied again', async () => {
    const { served, logger } = endpoint();
    const { server, port } = await occupy();
    await served.apply(loopback(port));
    expect(served.url).toBeUndefined();
    const [line, ...more] = logger.at('error');
    expect(more).toEqual([]);
    expect(line?.message).toBe('the metrics exporter cannot listen; writer.yaml metrics.listen');
    expect(line?.fields).toMatchObject({ listen: `127.0.0.1:${port}` });
    expect(String(line?.fields['error'])).toContain('in use');

    await new Promise<void>((resolve) => server.close(() => resolve()));
    await served.apply(loopback(port));
    expect(await scrape(port)).toContain('lighthouse_test_runs_total 1');
  });

  it('says so when the metrics it was given cannot be served', async () => {
    const metrics = recordingMetrics();
    expect(isMetricsSource(metrics)).toBe(false);
    expect(isMetricsSource(createMetrics({ defaultMetrics: false }))).toBe(true);
    const logger = recordingLogger();
    const served = new MetricsEndpoint(metrics, logger, 'reporter.yaml');
    await served.apply(loopback(await freePort()));
    expect(served.url).toBeUndefined();
    expect(logger.at('error').map((line) => line.message)).toEqual([
      'reporter.yaml sets metrics.listen, but the metrics this daemon was given cannot be served',
    ]);
  });
});
