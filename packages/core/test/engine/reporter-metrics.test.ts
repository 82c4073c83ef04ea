import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import Type from 'typebox';
import {
  createTempConfigDir,
  freePort,
  MemoryDiscoveryBackend,
  memoryDiscoveryPlugin,
  recordingLogger,
  recordingMetrics,
  waitFor,
} from '@lighthouse/testing';
import type { RecordingMetrics } from '@lighthouse/testing';
import { defineCheck } from '@lighthouse/core';
import type { Metrics } from '@lighthouse/core';
import {
  createStaticResolver,
  maintenanceDir,
  removeMaintenance,
  Reporter,
  writeMaintenance,
} from '@lighthouse/core/engine';

/** The reporter's own metrics, what its plugins get, and `reporter.yaml`'s `metrics.listen`. */

type Behaviour = 'pass' | 'fail' | 'hang' | 'throw' | 'nonsense';

/** A check acting per port as the test says (default pass), noting the metrics it was given. */
function scriptedCheck() {
  const behaviour = new Map<number, Behaviour>();
  const seen: Metrics[] = [];
  const plugin = defineCheck({
    name: 'scripted',
    configSchema: Type.Object({}, { additionalProperties: false }),
    create: (_config, context) => {
      seen.push(context.metrics);
      return {
        perform: async (signal) => {
          switch (behaviour.get(context.target.port) ?? 'pass') {
            case 'pass':
              return true;
            case 'fail':
              return { ok: false, reason: 'HTTP 503' };
            case 'throw':
              throw new Error('ECONNREFUSED');
            case 'nonsense':
              return 42 as unknown as boolean;
            case 'hang':
              return new Promise<boolean>((resolve) =>
                signal.addEventListener('abort', () => resolve(false)),
              );
          }
        },
      };
    },
  });
  return { plugin, behaviour, seen };
}

/** A check whose instances cannot be created. */
const uncreatable = defineCheck({
  name: 'uncreatable',
  configSchema: Type.Object({}, { additionalProperties: false }),
  create: () => {
    throw new Error('no such binary');
  },
});

const service = (port: number, check = 'scripted'): string =>
  `discovery: memory\nport: ${port}\nchecks:\n  interval: 0.02\n  ${check}:\n    rise: 1\n    fall: 1\n    timeout: 0.05\n`;

async function start(files: Record<string, string>, metrics?: Metrics) {
  const backend = new MemoryDiscoveryBackend();
  const check = scriptedCheck();
  const logger = recordingLogger();
  const dir = await createTempConfigDir({ 'discovery/memory.yaml': '{}\n', ...files });
  const stateDir = join(dir.dir, 'state');
  const reporter = new Reporter({
    configDir: dir.dir,
    stateDir,
    resolver: createStaticResolver([memoryDiscoveryPlugin(backend), check.plugin, uncreatable]),
    advertise: { host: 'app01', ip: '10.0.0.7' },
    logger,
    ...(metrics === undefined ? {} : { metrics }),
  });
  onTestFinished(async () => {
    await reporter.stop();
    await dir.cleanup();
  });
  return { backend, check, dir, reporter, stateDir, logger, run: () => reporter.start() };
}

const results = (metrics: RecordingMetrics, service: string, check = 'scripted') =>
  Object.fromEntries(
    (['pass', 'fail', 'timeout', 'error'] as const).map((result) => [
      result,
      metrics.value('lighthouse_reporter_check_results_total', { service, check, result }),
    ]),
  );

const gauge = (metrics: RecordingMetrics, name: string, service: string, port: number) =>
  metrics.metrics.get(name)?.values.get(`port="${port}",service="${service}"`);

describe('Reporter metrics', () => {
  it('counts check runs by result and times them', async () => {
    const metrics = recordingMetrics();
    const { check, run } = await start(
      {
        'services/ok.yaml': service(8001),
        'services/bad.yaml': service(8002),
        'services/slow.yaml': service(8003),
        'services/broken.yaml': service(8004),
        'services/odd.yaml': service(8005),
        'services/missing.yaml': service(8006, 'uncreatable'),
      },
      metrics,
    );
    check.behaviour.set(8002, 'fail');
    check.behaviour.set(8003, 'hang');
    check.behaviour.set(8004, 'throw');
    check.behaviour.set(8005, 'nonsense');
    await run();
    await waitFor(
      () =>
        [
          results(metrics, 'ok').pass,
          results(metrics, 'bad').fail,
          results(metrics, 'slow').timeout,
          results(metrics, 'broken').error,
          results(metrics, 'odd').error,
          results(metrics, 'missing', 'uncreatable').error,
        ].every((count) => count !== undefined && count >= 2),
      { what: 'two runs of every check' },
    );
    expect(results(metrics, 'ok')).toMatchObject({ fail: 0, timeout: 0, error: 0 });
    expect(results(metrics, 'slow')).toMatchObject({ pass: 0, fail: 0, error: 0 });
    // Every result series exists from the first run, so increase() sees the first failure.
    const counter = metrics.metrics.get('lighthouse_reporter_check_results_total');
    expect(counter?.values.get('check="scripted",result="timeout",service="ok"')).toBe(0);

    const durations = (service: string, check = 'scripted') =>
      metrics.metrics
        .get('lighthouse_reporter_check_duration_seconds')
        ?.observations.get(`check="${check}",service="${service}"`) ?? [];
    expect(durations('ok').length).toBeGreaterThanOrEqual(2);
    for (const seconds of durations('ok')) expect(seconds).toBeLessThan(0.05);
    for (const seconds of durations('slow')) expect(seconds).toBeGreaterThanOrEqual(0.045);
    // A check that cannot be created never ran: no duration.
    expect(durations('missing', 'uncreatable')).toEqual([]);
  });

  it('gauges each port: healthy, registered, maintenance; and drops a removed service', async () => {
    const metrics = recordingMetrics();
    const { backend, check, dir, run, stateDir } = await start(
      { 'services/web.yaml': service(8001), 'services/api.yaml': service(9001) },
      metrics,
    );
    check.behaviour.set(9001, 'fail');
    await run();
    const healthy = (name: string, port: number) =>
      gauge(metrics, 'lighthouse_reporter_port_healthy', name, port);
    const registered = (name: string, port: number) =>
      gauge(metrics, 'lighthouse_reporter_registered', name, port);
    const maintenance = (mode: string) =>
      metrics.metrics
        .get('lighthouse_reporter_maintenance')
        ?.values.get(`mode="${mode}",port="8001",service="web"`);

    await waitFor(() => registered('web', 8001) === 1, { what: 'web registered' });
    expect(backend.members('web')).toHaveLength(1);
    expect(healthy('web', 8001)).toBe(1);
    expect([healthy('api', 9001), registered('api', 9001)]).toEqual([0, 0]);
    expect([maintenance('down'), maintenance('drain')]).toEqual([0, 0]);

    await writeMaintenance(maintenanceDir(stateDir), {
      service: 'web',
      mode: 'drain',
      reason: 'deploy',
      since: Date.now(),
    });
    await waitFor(() => maintenance('drain') === 1, { what: 'drain' });
    await waitFor(() => backend.members('web')[0]?.metadata['state'] === 'drain');
    await waitFor(() => registered('web', 8001) === 1, { what: 'the drain confirmed' });
    await writeMaintenance(maintenanceDir(stateDir), {
      service: 'web',
      mode: 'down',
      reason: 'deploy',
      since: Date.now(),
    });
    await waitFor(() => maintenance('down') === 1 && registered('web', 8001) === 0, {
      what: 'down and deregistered',
    });
    expect([maintenance('drain'), healthy('web', 8001)]).toEqual([0, 1]);
    await removeMaintenance(maintenanceDir(stateDir), 'web');
    await waitFor(() => maintenance('down') === 0 && registered('web', 8001) === 1, {
      what: 'up again',
    });

    check.behaviour.set(8001, 'fail');
    await waitFor(() => healthy('web', 8001) === 0 && registered('web', 8001) === 0, {
      what: 'unhealthy and deregistered',
    });
    check.behaviour.set(9001, 'pass');
    await waitFor(() => registered('api', 9001) === 1, { what: 'api registered' });

    await dir.remove('services/web.yaml');
    await waitFor(() => healthy('web', 8001) === undefined, { what: "web's series to go" });
    expect(registered('web', 8001)).toBeUndefined();
    expect(maintenance('down')).toBeUndefined();
    expect(registered('api', 9001)).toBe(1);
  });

  it('hands every plugin instance the daemon registry, and counts rejected files', async () => {
    const metrics = recordingMetrics();
    const { check, dir, run, logger } = await start(
      { 'services/web.yaml': service(8001) },
      metrics,
    );
    await run();
    await waitFor(() => check.seen.length === 1, { what: 'the check instance' });
    expect(check.seen).toEqual([metrics]);
    const rejections = () =>
      Object.fromEntries(metrics.metrics.get('lighthouse_config_rejections_total')?.values ?? []);
    expect(rejections()).toEqual({
      'daemon="reporter",kind="logging"': 0,
      'daemon="reporter",kind="reporter"': 0,
      'daemon="reporter",kind="discovery"': 0,
      'daemon="reporter",kind="services"': 0,
    });
    await dir.writeAtomic('services/web.yaml', 'discovery: memory\nport: 8001\n');
    await waitFor(() => rejections()['daemon="reporter",kind="services"'] === 1, {
      what: 'the rejected service file to be counted',
    });
    expect(logger.at('error').map((line) => line.message)).toEqual([
      expect.stringContaining('config rejected, previous version stays in force'),
    ]);
  });
});

describe("reporter.yaml's metrics.listen", () => {
  it('serves check results on /metrics, live', async () => {
    const port = await freePort();
    const { dir, run } = await start({ 'services/web.yaml': service(8001) });
    await run();
    await dir.write('reporter.yaml', `metrics:\n  listen: "127.0.0.1:${port}"\n`);
    const scrape = () =>
      fetch(`http://127.0.0.1:${port}/metrics`).then(
        (response) => response.text(),
        () => '',
      );
    await waitFor(
      async () =>
        /^lighthouse_reporter_check_results_total\{service="web",check="scripted",result="pass"\} [1-9]/m.test(
          await scrape(),
        ),
      { what: 'a passing check on /metrics' },
    );
    const text = await scrape();
    expect(text).toContain('lighthouse_reporter_port_healthy{service="web",port="8001"} 1');
    expect(text).toContain('lighthouse_reporter_registered{service="web",port="8001"} 1');
    expect(text).toContain('# TYPE lighthouse_reporter_check_duration_seconds histogram');
    await dir.remove('reporter.yaml');
    await waitFor(async () => (await scrape()) === '', { what: 'the exporter to stop' });
  });
});
