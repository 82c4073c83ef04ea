import { afterEach, describe, expect, it } from 'vitest';
import Type from 'typebox';
import { waitFor } from '@lighthouse/testing';
import { defineAgent, defineCheck } from '@lighthouse/core';
import type { AgentPortState } from '@lighthouse/core';
import { maintenanceDir, writeMaintenance } from '@lighthouse/core/engine';
import { startMemoryReporter } from '../helpers/memory-reporter.js';

/** A recording agent plugin: what each instance was told, and whether it is closed. */
function recordingAgent() {
  const instances: { port: number; states: (readonly AgentPortState[])[]; closed: boolean }[] = [];
  const plugin = defineAgent({
    name: 'recording',
    configSchema: Type.Object(
      { port: Type.Integer({ description: 'Port it would listen on; 1 fails to start.' }) },
      { additionalProperties: false },
    ),
    create: (config) => {
      if (config.port === 1) throw new Error('port 1 is in use');
      const instance = {
        port: config.port,
        states: [] as (readonly AgentPortState[])[],
        closed: false,
      };
      instances.push(instance);
      return {
        metadata: { agent_port: config.port },
        update: (ports) => void instance.states.push(ports),
        close: async () => {
          instance.closed = true;
        },
      };
    },
  });
  return { plugin, instances };
}

const healthy = new Map<number, boolean>();
const check = defineCheck({
  name: 'scripted',
  configSchema: Type.Object({}, { additionalProperties: false }),
  create: (_config, context) => ({ perform: async () => healthy.get(context.target.port) ?? true }),
});

const service = (agentPort: number) =>
  `discovery: memory\nhost: 127.0.0.1\nports: [8001, 8002]\nagent:\n  port: ${agentPort}\nchecks:\n  interval: 0.02\n  scripted:\n    rise: 1\n    fall: 1\n`;

describe('Reporter agents', () => {
  afterEach(() => healthy.clear());

  async function start(agentPort: number) {
    const agent = recordingAgent();
    const running = await startMemoryReporter({ 'services/web.yaml': service(agentPort) }, [
      check,
      agent.plugin,
    ]);
    return { ...running, agent };
  }

  it('advertises the agent in every registration and tells it each port state', async () => {
    const { backend, agent, stateDir } = await start(5555);
    await waitFor(() => backend.members('web').length === 2);
    expect(backend.members('web').map((node) => node.metadata)).toEqual([
      { agent_port: 5555 },
      { agent_port: 5555 },
    ]);
    const [instance] = agent.instances;
    await waitFor(() => instance?.states.at(-1)?.every((port) => port.healthy) === true);
    healthy.set(8002, false);
    await waitFor(() => instance?.states.at(-1)?.[1]?.healthy === false, {
      what: 'the failing port told to the agent',
    });
    expect(instance?.states.at(-1)).toEqual([
      { port: 8001, healthy: true },
      { port: 8002, healthy: false, reason: expect.any(String) },
    ]);
    await writeMaintenance(maintenanceDir(stateDir), {
      service: 'web',
      mode: 'drain',
      reason: 'deploy',
      since: Date.now(),
    });
    await waitFor(() => instance?.states.at(-1)?.[0]?.maintenance?.mode === 'drain', {
      what: 'the maintenance told to the agent',
    });
    expect(instance?.states.at(-1)?.[0]).toEqual({
      port: 8001,
      healthy: true,
      maintenance: { mode: 'drain', reason: 'deploy' },
    });
  });

  it('replaces the agent when its section changes and closes it with the service', async () => {
    const { backend, agent, dir: config } = await start(5555);
    await waitFor(() => backend.members('web').length === 2);
    await config.writeAtomic('services/web.yaml', service(6666));
    await waitFor(() => backend.members('web')[0]?.metadata['agent_port'] === 6666, {
      what: 'the new agent advertised',
    });
    expect(agent.instances.map((instance) => [instance.port, instance.closed])).toEqual([
      [5555, true],
      [6666, false],
    ]);
    await config.remove('services/web.yaml');
    await waitFor(() => agent.instances[1]?.closed === true, { what: 'the agent closed' });
    expect(backend.members('web')).toEqual([]);
  });

  it('registers without agent metadata when the agent cannot start', async () => {
    const { backend, agent } = await start(1);
    await waitFor(() => backend.members('web').length === 2);
    expect(backend.members('web').map((node) => node.metadata)).toEqual([{}, {}]);
    expect(agent.instances).toEqual([]);
  });
});
