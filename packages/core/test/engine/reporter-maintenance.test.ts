import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import Type from 'typebox';
import { waitFor } from '@lighthouse/testing';
import type { MemoryDiscoveryBackend } from '@lighthouse/testing';
import { defineCheck } from '@lighthouse/core';
import { maintenanceDir, removeMaintenance, writeMaintenance } from '@lighthouse/core/engine';
import type { MaintenanceEntry } from '@lighthouse/core/engine';
import { startMemoryReporter } from '../helpers/memory-reporter.js';

/** A check whose verdict per port the test sets (healthy unless told otherwise). */
function scriptedCheck() {
  const healthy = new Map<number, boolean>();
  const plugin = defineCheck({
    name: 'scripted',
    configSchema: Type.Object({}, { additionalProperties: false }),
    create: (_config, context) => ({
      perform: async () => healthy.get(context.target.port) ?? true,
    }),
  });
  return { plugin, healthy };
}

const service = (body: string): string =>
  `discovery: memory\nhost: 127.0.0.1\n${body}\nchecks:\n  interval: 0.02\n  scripted:\n    rise: 1\n    fall: 1\n`;

describe('Reporter maintenance', () => {
  async function start(files: Record<string, string>, before?: (state: string) => Promise<void>) {
    const check = scriptedCheck();
    const running = await startMemoryReporter(files, [check.plugin], (stateDir) =>
      before === undefined ? Promise.resolve() : before(maintenanceDir(stateDir)),
    );
    return { ...running, check, maintenance: maintenanceDir(running.stateDir) };
  }

  const entry = (fields: Partial<MaintenanceEntry> & { service: string }): MaintenanceEntry => ({
    mode: 'down',
    reason: 'deploy',
    since: Date.now(),
    ...fields,
  });
  const ports = (backend: MemoryDiscoveryBackend, name: string) =>
    backend.members(name).map((node) => node.port);

  it('deregisters a service put down, and registers it again when it comes up', async () => {
    const { backend, maintenance, reporter } = await start({
      'services/web.yaml': service('ports: [8001, 8002]'),
    });
    await waitFor(() => backend.members('web').length === 2);
    await writeMaintenance(maintenance, entry({ service: 'web' }));
    await waitFor(() => backend.members('web').length === 0, {
      timeoutMs: 1_000,
      what: 'deregistration within a second',
    });
    expect(reporter.status().map((port) => port.maintenance?.reason)).toEqual(['deploy', 'deploy']);
    await removeMaintenance(maintenance, 'web');
    await waitFor(() => backend.members('web').length === 2, {
      timeoutMs: 1_000,
      what: 'registration within a second',
    });
    expect(reporter.status().every((port) => port.maintenance === undefined)).toBe(true);
  });

  it('keeps a draining port registered with state: drain in its metadata', async () => {
    const { backend, maintenance } = await start({
      'services/web.yaml': service('port: 8001\nmetadata: {role: primary}'),
    });
    await waitFor(() => backend.members('web').length === 1);
    await writeMaintenance(maintenance, entry({ service: 'web', mode: 'drain' }));
    await waitFor(() => backend.members('web')[0]?.metadata['state'] === 'drain', {
      timeoutMs: 1_000,
      what: 'the drain flag',
    });
    expect(backend.members('web')[0]?.metadata).toEqual({ role: 'primary', state: 'drain' });
    await removeMaintenance(maintenance, 'all');
    await waitFor(() => backend.members('web')[0]?.metadata['state'] === undefined, {
      timeoutMs: 1_000,
      what: 'the drain flag to go',
    });
    expect(backend.log.filter((line) => line.startsWith('deregister'))).toEqual([]);
  });

  it('lets an entry lapse by itself at its expiry', async () => {
    const { backend, maintenance } = await start({ 'services/web.yaml': service('port: 8001') });
    await waitFor(() => backend.members('web').length === 1);
    await writeMaintenance(maintenance, entry({ service: 'web', until: Date.now() + 400 }));
    await waitFor(() => backend.members('web').length === 0, { what: 'down' });
    await waitFor(() => backend.members('web').length === 1, {
      timeoutMs: 1_500,
      what: 'back after the expiry, with no command',
    });
  });

  it('affects only the port an entry names; all covers every service', async () => {
    const { backend, maintenance } = await start({
      'services/web.yaml': service('ports: [8001, 8002]'),
      'services/api.yaml': service('port: 9001'),
    });
    await waitFor(() => backend.members('web').length === 2 && backend.members('api').length === 1);
    await writeMaintenance(maintenance, entry({ service: 'web', port: 8002 }));
    await waitFor(() => ports(backend, 'web').join() === '8001', { what: 'only 8002 down' });
    expect(ports(backend, 'api')).toEqual([9001]);
    await writeMaintenance(maintenance, entry({ service: 'all' }));
    await waitFor(() => backend.members('web').length + backend.members('api').length === 0, {
      what: 'everything down',
    });
    await removeMaintenance(maintenance, 'all');
    await waitFor(() => backend.members('web').length + backend.members('api').length === 3, {
      what: 'everything back',
    });
  });

  it('never registers, even briefly, a service that is down when the reporter starts', async () => {
    const { backend, reporter: running } = await start(
      { 'services/web.yaml': service('port: 8001'), 'services/api.yaml': service('port: 9001') },
      (maintenance) =>
        writeMaintenance(maintenance, entry({ service: 'web' })).then(() => undefined),
    );
    await waitFor(() => backend.members('api').length === 1, { what: 'api registered' });
    await waitFor(() => running.status().every((port) => port.checks[0]?.last !== undefined));
    expect(backend.log.filter((line) => line.startsWith('register web'))).toEqual([]);
  });

  it('does not register a failing port when its maintenance ends', async () => {
    const { backend, check, maintenance, reporter } = await start({
      'services/web.yaml': service('port: 8001'),
    });
    await waitFor(() => backend.members('web').length === 1);
    check.healthy.set(8001, false);
    await waitFor(() => backend.members('web').length === 0, { what: 'failing: deregistered' });
    await writeMaintenance(maintenance, entry({ service: 'web' }));
    await waitFor(() => reporter.status()[0]?.maintenance !== undefined);
    await removeMaintenance(maintenance, 'web');
    await waitFor(() => reporter.status()[0]?.maintenance === undefined);
    await waitFor(() => (reporter.status()[0]?.checks[0]?.last?.at ?? 0) > Date.now() - 10);
    expect(backend.members('web')).toEqual([]);
    check.healthy.set(8001, true);
    await waitFor(() => backend.members('web').length === 1, { what: 'registered once healthy' });
  });

  it('reports a corrupt or foreign file and keeps working', async () => {
    const {
      backend,
      maintenance,
      reporter: running,
    } = await start({
      'services/web.yaml': service('port: 8001'),
    });
    await waitFor(() => backend.members('web').length === 1);
    await writeFile(join(maintenance, 'web.json'), '{"service": "web", "mode": ');
    await writeFile(join(maintenance, 'notes.txt'), 'not an entry');
    await waitFor(() => running.report().maintenance.issues.length === 2, {
      what: 'both files reported',
    });
    expect(running.report().maintenance.issues.map((issue) => issue.file)).toEqual([
      'notes.txt',
      'web.json',
    ]);
    expect(backend.members('web').length).toBe(1);
    await writeMaintenance(maintenance, entry({ service: 'web' }));
    await waitFor(() => backend.members('web').length === 0, { what: 'the valid entry to apply' });
  });
});

describe('Reporter peer advertisement', () => {
  it('puts the peer of reporter.yaml on every node, and follows its edits', async () => {
    const check = scriptedCheck();
    const { backend, dir } = await startMemoryReporter(
      { 'services/web.yaml': service('port: 8001') },
      [check.plugin],
    );
    await waitFor(() => backend.members('web').length === 1);
    expect(backend.members('web')[0]?.peer).toBeUndefined(); // off by default

    await writeFile(
      join(dir.dir, 'reporter.yaml'),
      `state_dir: ${join(dir.dir, 'state')}\npeer: {}\n`,
    );
    await waitFor(() => backend.members('web')[0]?.peer !== undefined, {
      what: 'the peer on the registration',
    });
    expect(backend.members('web')[0]?.peer).toEqual({ name: 'app01', ip: '10.0.0.7', port: 1024 });

    await writeFile(
      join(dir.dir, 'reporter.yaml'),
      `state_dir: ${join(dir.dir, 'state')}\npeer: {name: lb-1, port: 10000}\n`,
    );
    await waitFor(() => backend.members('web')[0]?.peer?.name === 'lb-1', {
      what: 'the edited peer',
    });
    expect(backend.members('web')[0]?.peer).toEqual({ name: 'lb-1', ip: '10.0.0.7', port: 10000 });
  });
});
