import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import Value from 'typebox/value';
import { ConfigError, PLUGIN_API_VERSION } from '@lighthouse/core';
import type { Agent } from '@lighthouse/core';
import { PluginManifest, PluginRegistry, pluginShapeProblems } from '@lighthouse/core/engine';
import {
  createTempDir,
  createTempProject,
  freePort,
  missingDescriptions,
  waitFor,
} from '@lighthouse/testing';
import type { TempDir } from '@lighthouse/testing';
import { haproxyAgent, HAProxyAgentConfig } from '../src/index.js';
import { agentReply } from '../src/reply.js';
import { configProblems } from '../src/schema.js';
import {
  agentContext,
  askAgent,
  healthy,
  failing,
  inMaintenance,
  recordingLogger,
} from './helpers.js';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The section as core hands it over: schema defaults applied, then checked. */
function validated(section: Record<string, unknown>): HAProxyAgentConfig {
  const config = Value.Default(HAProxyAgentConfig, structuredClone(section));
  if (!Value.Check(HAProxyAgentConfig, config)) throw new Error('invalid test config');
  return config;
}

const accepts = (section: unknown): boolean =>
  Value.Check(HAProxyAgentConfig, Value.Default(HAProxyAgentConfig, structuredClone(section)));

describe('haproxy agent plugin: package and shape', () => {
  it('is found and loaded through its package manifest, with a valid shape', async () => {
    const pkg = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8'));
    expect(Value.Check(PluginManifest, pkg.lighthouse)).toBe(true);
    expect(pkg.lighthouse).toEqual({
      apiVersion: PLUGIN_API_VERSION,
      agents: { haproxy: './dist/plugin.js' },
    });
    const project = await createTempProject({ '@lighthouse/haproxy-agent': packageDir });
    try {
      const registry = await PluginRegistry.discover({ projectRoot: project.dir });
      const statuses = await registry.loadAll();
      const agents = statuses.filter((status) => status.entry.kind === 'agents');
      expect(agents.map((status) => [status.entry.name, status.ok])).toEqual([['haproxy', true]]);
      const [status] = agents;
      expect(status?.ok && pluginShapeProblems(status.plugin, 'agents', 'haproxy')).toEqual([]);
    } finally {
      await project.cleanup();
    }
  });

  it('exports the plugin by name with a valid shape', () => {
    expect(pluginShapeProblems(haproxyAgent, 'agents', 'haproxy')).toEqual([]);
    expect(haproxyAgent.kind).toBe('agents');
    expect(haproxyAgent.configSchema).toBe(HAProxyAgentConfig);
  });

  it('describes every property of its schema', () => {
    expect(missingDescriptions(HAProxyAgentConfig)).toEqual([]);
  });
});

describe('haproxy agent plugin: config schema', () => {
  it('applies the defaults', () => {
    expect(validated({ port: 5555 })).toEqual({
      port: 5555,
      listen_address: '0.0.0.0',
      interval: 2,
    });
    expect(validated({ port: 5555, weight: { file: '/run/load' } }).weight).toEqual({
      file: '/run/load',
      fallback: 100,
    });
  });

  it('accepts every documented shape', () => {
    for (const section of [
      { port: 5555, listen_address: '10.0.0.5', interval: 0.5 },
      { port: 5555, listen_address: '::', interval: 3600 },
      { port: 5555, weight: { file: '/run/load', stale_after: 30, fallback: 0 } },
      {
        port: 1,
        weight: { file: '/run/load', map: { linear: { from: [0, 7000], to: [100, 1] } } },
      },
      {
        port: 65535,
        weight: {
          file: '/run/load',
          map: {
            thresholds: [{ below: 10, weight: 100 }, { below: 50.5, weight: 50 }, { weight: 5 }],
          },
        },
      },
    ]) {
      expect(accepts(section), JSON.stringify(section)).toBe(true);
      expect(configProblems(validated(section)), JSON.stringify(section)).toEqual([]);
    }
  });

  it.each([
    ['no port', {}],
    ['an unknown key', { port: 5555, bind: '0.0.0.0' }],
    ['core’s own type key (core strips it first)', { port: 5555, type: 'haproxy' }],
    ['port 0', { port: 0 }],
    ['port 65536', { port: 65536 }],
    ['a fractional port', { port: 5555.5 }],
    ['a port as text', { port: '5555' }],
    ['interval 0.05', { port: 5555, interval: 0.05 }],
    ['interval 3601', { port: 5555, interval: 3601 }],
    ['a weight without file', { port: 5555, weight: {} }],
    ['an unknown weight key', { port: 5555, weight: { file: '/f', expression: 'r * 2' } }],
    ['fallback 101', { port: 5555, weight: { file: '/f', fallback: 101 } }],
    ['fallback 50.5', { port: 5555, weight: { file: '/f', fallback: 50.5 } }],
    ['stale_after 0', { port: 5555, weight: { file: '/f', stale_after: 0 } }],
    ['an unknown map', { port: 5555, weight: { file: '/f', map: { eval: 'r' } } }],
    [
      'linear with one point',
      { port: 5555, weight: { file: '/f', map: { linear: { from: [0], to: [100] } } } },
    ],
    [
      'linear with a weight above 100',
      { port: 5555, weight: { file: '/f', map: { linear: { from: [0, 1], to: [150, 0] } } } },
    ],
    [
      'an unknown key in linear',
      { port: 5555, weight: { file: '/f', map: { linear: { from: [0, 1], to: [1, 0], min: 1 } } } },
    ],
    ['empty thresholds', { port: 5555, weight: { file: '/f', map: { thresholds: [] } } }],
    [
      'a threshold row with an unknown key',
      { port: 5555, weight: { file: '/f', map: { thresholds: [{ above: 5, weight: 1 }] } } },
    ],
    [
      'a threshold weight above 100',
      { port: 5555, weight: { file: '/f', map: { thresholds: [{ weight: 101 }] } } },
    ],
  ])('rejects %s', (_name, section) => {
    expect(accepts(section)).toBe(false);
  });

  it.each([
    [
      'a host name as listen_address',
      { port: 5555, listen_address: 'localhost' },
      '/listen_address',
    ],
    ['a relative weight file', { port: 5555, weight: { file: 'load.txt' } }, '/weight/file'],
    [
      'a weight file with a newline',
      { port: 5555, weight: { file: '/run/lo\nad' } },
      '/weight/file',
    ],
    ['an empty map', { port: 5555, weight: { file: '/f', map: {} } }, '/weight/map'],
    [
      'both map kinds',
      {
        port: 5555,
        weight: {
          file: '/f',
          map: { linear: { from: [0, 1], to: [1, 0] }, thresholds: [{ weight: 1 }] },
        },
      },
      '/weight/map',
    ],
    [
      'a linear map through one metric value',
      { port: 5555, weight: { file: '/f', map: { linear: { from: [5, 5], to: [100, 0] } } } },
      '/weight/map/linear/from',
    ],
    [
      'a last threshold row with below',
      { port: 5555, weight: { file: '/f', map: { thresholds: [{ below: 5, weight: 1 }] } } },
      '/weight/map/thresholds/0/below',
    ],
    [
      'a default threshold row before the end',
      {
        port: 5555,
        weight: { file: '/f', map: { thresholds: [{ weight: 1 }, { weight: 2 }] } },
      },
      '/weight/map/thresholds/0',
    ],
    [
      'thresholds out of order',
      {
        port: 5555,
        weight: {
          file: '/f',
          map: { thresholds: [{ below: 50, weight: 1 }, { below: 10, weight: 2 }, { weight: 3 }] },
        },
      },
      '/weight/map/thresholds/1/below',
    ],
  ])('reports %s in its own rules', (_name, section, pointer) => {
    const problems = haproxyAgent.validateConfig?.(validated(section)) ?? [];
    expect(problems.map((problem) => problem.pointer)).toEqual([pointer]);
  });
});

describe('haproxy agent plugin: create', () => {
  let dir: TempDir;
  const agents: Agent[] = [];
  beforeAll(async () => {
    dir = await createTempDir({}, 'lh-agent-plugin-');
  });
  afterEach(async () => {
    await Promise.all(agents.splice(0).map((agent) => agent.close()));
  });
  afterAll(async () => {
    await dir.cleanup();
  });

  async function create(section: Record<string, unknown>, log = recordingLogger()) {
    const agent = await haproxyAgent.create(validated(section), agentContext(log));
    agents.push(agent);
    return agent;
  }

  it('advertises agent_port and agent_inter', async () => {
    const port = await freePort();
    const agent = await create({ port, listen_address: '127.0.0.1', interval: 0.5 });
    expect(agent.metadata).toEqual({ agent_port: port, agent_inter: 0.5 });
  });

  it('answers an empty line until the first update, then the reporter’s state', async () => {
    const port = await freePort();
    const agent = await create({ port, listen_address: '127.0.0.1' });
    expect(await askAgent(port)).toBe('\n');
    agent.update([healthy(8080)]);
    expect(await askAgent(port)).toBe('up ready 100%\n');
    agent.update([failing(8080)]);
    expect(await askAgent(port)).toBe('down ready 100%\n');
    agent.update([inMaintenance(healthy(8080), 'drain')]);
    expect(await askAgent(port)).toBe('up drain 0%\n');
    agent.update([inMaintenance(healthy(8080), 'down')]);
    expect(await askAgent(port)).toBe('up maint 0%\n');
    agent.update([healthy(8080)]);
    expect(await askAgent(port)).toBe('up ready 100%\n');
  });

  it('listens on every interface by default', async () => {
    const port = await freePort();
    const agent = await create({ port });
    agent.update([healthy()]);
    expect(await askAgent(port, undefined, '127.0.0.1')).toBe('up ready 100%\n');
  });

  it('takes the weight from the metric file from the first answer on, and follows it', async () => {
    const file = join(dir.dir, 'load');
    await writeFile(file, '3500\n');
    const port = await freePort();
    const agent = await create({
      port,
      listen_address: '127.0.0.1',
      interval: 0.1,
      weight: { file, map: { linear: { from: [0, 7000], to: [100, 1] } } },
    });
    agent.update([healthy()]);
    expect(await askAgent(port)).toBe('up ready 50%\n');
    await writeFile(file, '700\n');
    await waitFor(async () => (await askAgent(port)) === 'up ready 90%\n', {
      what: 'the new weight',
    });
  });

  it('answers the fallback weight and warns once while the file is missing', async () => {
    const log = recordingLogger();
    const file = join(dir.dir, 'absent');
    const port = await freePort();
    const agent = await create(
      { port, listen_address: '127.0.0.1', interval: 0.1, weight: { file, fallback: 60 } },
      log,
    );
    agent.update([healthy()]);
    expect(await askAgent(port)).toBe('up ready 60%\n');
    await waitFor(() => log.at('warn').length > 0, { what: 'the warning' });
    // An absence can only be shown by waiting: three more polls must not log again.
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(log.at('warn')).toEqual([
      expect.objectContaining({
        message: 'weight file does not exist: answering the fallback weight 60%',
        fields: expect.objectContaining({ service: 'web', agent_port: port, file }),
      }),
    ]);
  });

  it('rejects with a clear message when the port is in use', async () => {
    const port = await freePort();
    await create({ port, listen_address: '127.0.0.1' });
    await expect(
      haproxyAgent.create(validated({ port, listen_address: '127.0.0.1' }), agentContext()),
    ).rejects.toThrow(
      `the haproxy agent of service "web" cannot start: port ${port} is in use (listen_address 127.0.0.1)`,
    );
  });

  it('rejects a config that breaks its rules (an embedder that skipped validation)', async () => {
    await expect(
      haproxyAgent.create(validated({ port: 5555, weight: { file: 'relative' } }), agentContext()),
    ).rejects.toThrow(ConfigError);
  });

  it('closes promptly and stops answering', async () => {
    const port = await freePort();
    const agent = await create({
      port,
      listen_address: '127.0.0.1',
      weight: { file: join(dir.dir, 'load') },
    });
    const started = performance.now();
    await agent.close();
    expect(performance.now() - started).toBeLessThan(500);
    await expect(askAgent(port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await agent.close();
  });

  it('answers exactly what agentReply computes', async () => {
    const port = await freePort();
    const agent = await create({ port, listen_address: '127.0.0.1' });
    const ports = [failing(8080), inMaintenance(healthy(8081), 'drain')];
    agent.update(ports);
    expect(await askAgent(port)).toBe(`${agentReply(ports, 100)}\n`);
  });
});
