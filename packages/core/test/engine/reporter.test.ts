import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import Type from 'typebox';
import {
  createTempConfigDir,
  MemoryDiscoveryBackend,
  memoryDiscoveryPlugin,
  waitFor,
} from '@lighthouse/testing';
import type { TempDir } from '@lighthouse/testing';
// The engines come from the built package, like the plugins of @lighthouse/testing, so that
// both sides share one copy of core's types (the plugin brand is a unique symbol).
import { defineCheck } from '@lighthouse/core';
import { createStaticResolver, Reporter } from '@lighthouse/core/engine';

/**
 * Two checks (`scripted`, `other`) whose result per port the test sets, counting their runs per
 * label (default: the check's name).
 */
function scriptedCheck() {
  const healthy = new Map<number, boolean>();
  const runs = new Map<string, number>();
  const define = (name: string) =>
    defineCheck({
      name,
      configSchema: Type.Object(
        { label: Type.String({ default: name, description: 'Counts runs under this label.' }) },
        { additionalProperties: false },
      ),
      create: (config, context) => ({
        perform: async () => {
          runs.set(config.label, (runs.get(config.label) ?? 0) + 1);
          return healthy.get(context.target.port) ?? true;
        },
      }),
    });
  return { plugins: [define('scripted'), define('other')], healthy, runs };
}

const service = (body: string): string =>
  `discovery: memory\nhost: 127.0.0.1\n${body}\nchecks:\n  interval: 0.02\n  scripted:\n    rise: 2\n    fall: 1\n`;

describe('Reporter engine', () => {
  let dir: TempDir | undefined;
  let reporter: Reporter | undefined;
  afterEach(async () => {
    await reporter?.stop();
    await dir?.cleanup();
    reporter = undefined;
  });

  async function start(files: Record<string, string>) {
    const backend = new MemoryDiscoveryBackend();
    const check = scriptedCheck();
    dir = await createTempConfigDir({ 'discovery/memory.yaml': '{}\n', ...files });
    reporter = new Reporter({
      configDir: dir.dir,
      stateDir: join(dir.dir, 'state'),
      resolver: createStaticResolver([memoryDiscoveryPlugin(backend), ...check.plugins]),
      advertise: { host: 'app01', ip: '10.0.0.7' },
    });
    await reporter.start();
    return { backend, check, dir, reporter };
  }

  it('registers every healthy port with the advertised host and ip, and the service metadata', async () => {
    const { backend } = await start({
      'services/web.yaml': service('ports: [8001, 8002]\nmetadata: {role: primary}'),
    });
    const members = await waitFor(
      () => backend.members('web').length === 2 && backend.members('web'),
    );
    expect(members).toEqual([
      { host: 'app01', ip: '10.0.0.7', port: 8001, metadata: { role: 'primary' } },
      { host: 'app01', ip: '10.0.0.7', port: 8002, metadata: { role: 'primary' } },
    ]);
  });

  it('deregisters a port whose check fails and registers it again when it recovers', async () => {
    const { backend, check, reporter } = await start({
      'services/web.yaml': service('ports: [8001, 8002]'),
    });
    await waitFor(() => backend.members('web').length === 2);
    check.healthy.set(8002, false);
    await waitFor(() => backend.members('web').length === 1);
    expect(backend.members('web').map((node) => node.port)).toEqual([8001]);
    expect(reporter.status().find((port) => port.port === 8002)).toMatchObject({
      healthy: false,
      registered: false,
    });
    check.healthy.set(8002, true);
    await waitFor(() => backend.members('web').length === 2);
  });

  it('keeps a healthy port registered across edits of its service file (1.0 bug B16)', async () => {
    const { backend, dir } = await start({ 'services/web.yaml': service('port: 8001') });
    await waitFor(() => backend.members('web').length === 1);
    const before = backend.log.length;
    await dir.writeAtomic('services/web.yaml', service('port: 8001\nmetadata: {edited: true}'));
    await waitFor(() => backend.members('web')[0]?.metadata['edited'] === true, {
      what: 'the new metadata',
    });
    expect(backend.log.slice(before).filter((line) => line.startsWith('deregister'))).toEqual([]);
  });

  it('stops running a check removed from the file (1.0 bug B17)', async () => {
    const { check, dir } = await start({
      'services/web.yaml': `${service('port: 8001')}  other:\n    rise: 1\n    fall: 1\n`,
    });
    await waitFor(() => (check.runs.get('other') ?? 0) > 2);
    await dir.writeAtomic(
      'services/web.yaml',
      service('port: 8001').replace('scripted:', 'scripted:\n    label: edited'),
    );
    await waitFor(() => (check.runs.get('edited') ?? 0) > 0, { what: 'the new config to apply' });
    const runsOfOther = check.runs.get('other');
    await waitFor(() => (check.runs.get('edited') ?? 0) > 5, { what: 'several more rounds' });
    expect(check.runs.get('other')).toBe(runsOfOther);
  });

  it('deregisters the ports of a deleted service file and stops checking them (1.0 bug B9)', async () => {
    const { backend, check, dir } = await start({ 'services/web.yaml': service('port: 8001') });
    await waitFor(() => backend.members('web').length === 1);
    await dir.remove('services/web.yaml');
    await waitFor(() => backend.members('web').length === 0, { what: 'deregistration' });
    const runs = check.runs.get('scripted');
    await new Promise((resolve) => setTimeout(resolve, 100)); // five intervals: nothing may run
    expect(check.runs.get('scripted')).toBe(runs);
  });

  it('retries registrations while discovery is down and converges when it returns', async () => {
    const backend = new MemoryDiscoveryBackend();
    backend.setOnline(false);
    const check = scriptedCheck();
    dir = await createTempConfigDir({
      'discovery/memory.yaml': '{}\n',
      'services/web.yaml': service('port: 8001'),
    });
    reporter = new Reporter({
      configDir: dir.dir,
      stateDir: join(dir.dir, 'state'),
      resolver: createStaticResolver([memoryDiscoveryPlugin(backend), ...check.plugins]),
    });
    await reporter.start();
    await waitFor(() => reporter?.status()[0]?.healthy === true, {
      what: 'the port to become healthy',
    });
    expect(reporter.status()[0]?.registered).toBe(false);
    backend.setOnline(true);
    await waitFor(() => backend.members('web').length === 1, {
      what: 'registration after the outage',
    });
  });

  it('deregisters everything on stop', async () => {
    const { backend, reporter: running } = await start({
      'services/web.yaml': service('ports: [8001, 8002]'),
    });
    await waitFor(() => backend.members('web').length === 2);
    await running.stop();
    reporter = undefined;
    expect(backend.members('web')).toEqual([]);
  });

  it('moves registrations to a replaced discovery session before closing the old one', async () => {
    const { backend, dir } = await start({ 'services/web.yaml': service('ports: [8001, 8002]') });
    await waitFor(() => backend.members('web').length === 2);
    const seen: number[] = [];
    backend.subscribe('web', (nodes) => seen.push(nodes.length));
    await dir.writeAtomic('discovery/memory.yaml', 'label: new ensemble\n');
    await waitFor(() => backend.log.filter((line) => line === 'close').length === 1, {
      what: 'the old session to close',
    });
    expect(backend.members('web').map((node) => node.port)).toEqual([8001, 8002]);
    // Closing the old session first would have deleted every registration at once.
    expect(Math.min(...seen)).toBe(2);
  });

  it('gives up on a check whose create() hangs, and still stops promptly', async () => {
    const backend = new MemoryDiscoveryBackend();
    const hanging = defineCheck({
      name: 'hanging',
      configSchema: Type.Object({}, { additionalProperties: false }),
      create: () => new Promise<never>(() => undefined),
    });
    dir = await createTempConfigDir({
      'discovery/memory.yaml': '{}\n',
      'services/web.yaml':
        'discovery: memory\nport: 8001\nchecks:\n  interval: 0.05\n  hanging:\n    rise: 1\n    fall: 1\n    timeout: 0.05\n',
    });
    reporter = new Reporter({
      configDir: dir.dir,
      stateDir: join(dir.dir, 'state'),
      resolver: createStaticResolver([memoryDiscoveryPlugin(backend), hanging]),
      advertise: { host: 'app01', ip: '10.0.0.7' },
    });
    await reporter.start();
    const status = await waitFor(() => reporter?.status()[0]?.checks[0]?.last);
    expect(status.reason).toBe('could not create the check: timed out after 50 ms');
    const stopping = Date.now();
    await reporter.stop();
    reporter = undefined;
    expect(Date.now() - stopping).toBeLessThan(1_000);
  });

  it("registers under a service's own advertise host and ip, and never under a bad name", async () => {
    const backend = new MemoryDiscoveryBackend();
    const check = scriptedCheck();
    dir = await createTempConfigDir({
      'discovery/memory.yaml': '{}\n',
      'services/own.yaml': service('port: 8001\nadvertise:\n  host: web-vip\n  ip: 10.9.9.9'),
      'services/plain.yaml': service('port: 8002'),
    });
    reporter = new Reporter({
      configDir: dir.dir,
      stateDir: join(dir.dir, 'state'),
      resolver: createStaticResolver([memoryDiscoveryPlugin(backend), ...check.plugins]),
      advertise: { host: 'bad_host', ip: '10.0.0.7' },
    });
    await reporter.start();
    await waitFor(() => backend.members('own').length === 1);
    expect(backend.members('own')[0]).toMatchObject({
      host: 'web-vip',
      ip: '10.9.9.9',
      port: 8001,
    });
    // `plain` falls back to the reporter-wide host, which other machines would reject.
    await waitFor(() => reporter?.status().find((port) => port.port === 8002)?.healthy === true);
    expect(backend.members('plain')).toEqual([]);
  });
});
