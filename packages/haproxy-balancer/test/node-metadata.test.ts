import type { ClusterState, Node } from '@lighthouse/core';
import { describe, expect, it } from 'vitest';
import { renderedAgentInters } from '../src/agent-interval.js';
import type { BackendTraits } from '../src/backend-traits.js';
import { nodesFromLive } from '../src/desired.js';
import { planSync } from '../src/plan.js';
import type { PlanInput } from '../src/plan.js';
import { renderConfig } from '../src/render.js';
import type { BackendServer } from '../src/render-servers.js';
import { commandLine } from '../src/runtime/commands.js';
import { AdminFlags } from '../src/runtime/show-parsers.js';
import type { ServerAdminState } from '../src/runtime/commands.js';
import type { ServerState } from '../src/runtime/show-parsers.js';
import type { HAProxyClusterConfig, HAProxyConfig } from '../src/schema.js';
import { checkWithHAProxy } from './haproxy-check.js';
import { node } from './scenarios.js';

/** metadata.state (drain) and metadata.agent_port/agent_inter: rendered, planned, or ignored. */

const CONFIG: HAProxyConfig = {
  config_file: '/tmp/lighthouse-test/haproxy.cfg',
  socket_file: '/tmp/lighthouse-test/haproxy.sock',
  pid_file: '/tmp/lighthouse-test/haproxy.pid',
};
const DYNAMIC: BackendTraits = { weight: 1, check: false, agent: false, disabled: false };
/** `srv_agent_state` as 2.6.12 reports it: agent running, stopped (`disable agent`). */
const AGENT_ON = 0x16;
const AGENT_OFF = 0x12;

function render(nodes: Node[], config: HAProxyClusterConfig = {}) {
  const cluster: ClusterState<HAProxyClusterConfig> = {
    name: 'c',
    discovered: true,
    config,
    nodes,
  };
  const result = renderConfig(CONFIG, [cluster]);
  return { ...result, servers: result.backends.get('c') ?? [] };
}

function server(extra: Partial<BackendServer> = {}): BackendServer {
  return { name: 'a:80', address: '10.0.0.1:80', options: [], ...extra };
}

function live(extra: Partial<ServerState> = {}): ServerState {
  return {
    backendId: 1,
    backend: 'web',
    serverId: 1,
    server: 'a:80',
    address: '10.0.0.1',
    opState: 2,
    adminState: 0,
    weight: 1,
    initialWeight: 1,
    port: 80,
    agentState: 0,
    agentPort: 0,
    ...extra,
  };
}

/** The command lines planned for one desired server against one running one (or none). */
function plan(
  wanted: BackendServer,
  running: ServerState | undefined,
  traits: BackendTraits = DYNAMIC,
  appliedInter?: string,
  writerState?: ServerAdminState,
) {
  const input: PlanInput = {
    structure: 'S',
    backends: new Map([['web', [wanted]]]),
    traits: new Map([['web', traits]]),
  };
  const state = new Map([['web', running === undefined ? [] : [running]]]);
  const result = planSync(input, 'S', state, {
    agentInter: () => appliedInter,
    writerState: () => writerState,
  });
  return { lines: result.commands.map(commandLine), reload: result.reload, held: result.held };
}

describe('metadata.state', () => {
  it('drains only for the exact string "drain", keeping the weight', () => {
    const { servers, text, warnings } = render([
      node('a', '10.0.0.1', 80, { state: 'drain', weight: 5 }),
      node('b', '10.0.0.2', 80, { state: 'DRAIN' }),
      node('c', '10.0.0.3', 80, { state: 'up' }),
      node('d', '10.0.0.4', 80),
    ]);
    expect(servers.map((s) => s.drain === true)).toEqual([true, false, false, false]);
    expect(text).toContain(
      '    server a:80 10.0.0.1:80 weight 5 # drain (metadata.state), set at runtime\n',
    );
    expect(warnings).toEqual([]);
    expect(checkWithHAProxy(text).valid).toBe(true);
  });

  it('ignores a state that is not a string, with a warning naming node and value', () => {
    const nodes = [5, true, null, { drain: true }, ['drain']].map((state, i) =>
      node(`n${i}`, `10.0.0.${i + 1}`, 80, { state }),
    );
    const { servers, warnings } = render(nodes);
    expect(servers.every((s) => s.drain === undefined)).toBe(true);
    expect(warnings).toEqual([
      'cluster "c": node "n0:80": metadata.state 5 is not a string; ignored (the server stays ready)',
      'cluster "c": node "n1:80": metadata.state true is not a string; ignored (the server stays ready)',
      'cluster "c": node "n2:80": metadata.state null is not a string; ignored (the server stays ready)',
      'cluster "c": node "n3:80": metadata.state {"drain":true} is not a string; ignored (the server stays ready)',
      'cluster "c": node "n4:80": metadata.state ["drain"] is not a string; ignored (the server stays ready)',
    ]);
  });

  it('plans drain, and ready again, through the runtime API; weight untouched', () => {
    const drained = server({ drain: true, weight: 5 });
    expect(plan(drained, live({ weight: 5 }))).toEqual({
      lines: ['set server web/a:80 state drain'],
      reload: undefined,
    });
    const draining = live({ weight: 5, adminState: AdminFlags.forcedDrain });
    expect(plan(drained, draining).lines).toEqual([]);
    // Maintenance the writer set (a removal called off) goes straight to drain.
    const maint = live({ weight: 5, adminState: AdminFlags.forcedMaint });
    expect(plan(drained, maint, DYNAMIC, undefined, 'maint').lines).toEqual([
      'set server web/a:80 state drain',
    ]);
    expect(plan(server({ weight: 5 }), draining, DYNAMIC, undefined, 'drain').lines).toEqual([
      'set server web/a:80 state ready',
    ]);
  });

  it('adds a draining node straight into drain, never ready', () => {
    const traits = { ...DYNAMIC, check: true };
    expect(plan(server({ drain: true, options: ['check'] }), undefined, traits).lines).toEqual([
      'add server web/a:80 10.0.0.1:80 check',
      'enable health web/a:80',
      'set server web/a:80 state drain',
    ]);
  });
});

describe('metadata.agent_port and agent_inter', () => {
  it('renders agent-check on the server line, after the options and before the weight', () => {
    const { servers, text, warnings } = render(
      [
        node('a', '10.0.0.1', 80, { agent_port: 5555, agent_inter: 0.5, weight: 3 }),
        node('b', '10.0.0.2', 80, { agent_port: 5556 }),
        node('c', '10.0.0.3', 80, { agent_port: 1, agent_inter: 3600 }),
        node('d', '10.0.0.4', 80, { agent_port: 65535, agent_inter: 0.0001 }),
      ],
      { server_options: 'check' },
    );
    expect(warnings).toEqual([]);
    expect(servers.map((s) => s.agent)).toEqual([
      { port: 5555, interMs: 500 },
      { port: 5556 },
      { port: 1, interMs: 3_600_000 },
      { port: 65535, interMs: 1 },
    ]);
    expect(text).toContain(
      '    server a:80 10.0.0.1:80 check agent-check agent-port 5555 agent-inter 500ms weight 3\n',
    );
    // No weight anywhere: 100, so the agent's percentages do not round down to 0 of weight 1.
    expect(text).toContain(
      '    server b:80 10.0.0.2:80 check agent-check agent-port 5556 weight 100\n',
    );
    expect(checkWithHAProxy(text).valid).toBe(true);
    const configured = render([node('e', '10.0.0.5', 80, { agent_port: 5555 })], {
      server_options: 'check weight 20',
    });
    expect(configured.servers[0]?.weight).toBeUndefined();
  });

  it('ignores hostile agent values with a warning: routed, without agent-check', () => {
    const ports: unknown[] = ['5555', '5555; rm -rf /', 5555.5, 0, 70000, -1, NaN, true, null];
    const inters: unknown[] = ['2', '0.5; rm -rf /', 0, -1, 3601, NaN, Infinity, { s: 1 }];
    const nodes = [
      ...ports.map((agent_port, i) => node(`p${i}`, `10.0.1.${i + 1}`, 80, { agent_port })),
      ...inters.map((agent_inter, i) =>
        node(`i${i}`, `10.0.2.${i + 1}`, 80, { agent_port: 5555, agent_inter }),
      ),
      node('x', '10.0.3.1', 80, { agent_inter: 1 }),
    ];
    const { servers, text, warnings } = render(nodes);
    expect(servers).toHaveLength(nodes.length);
    expect(servers.every((s) => s.agent === undefined)).toBe(true);
    expect(text).not.toMatch(/agent|rm -rf/);
    expect(warnings).toHaveLength(nodes.length);
    expect(warnings).toContain(
      'cluster "c": node "p1:80": metadata.agent_port "5555; rm -rf /" is not an integer from 1 to 65535; no agent-check',
    );
    expect(warnings).toContain(
      'cluster "c": node "p6:80": metadata.agent_port NaN is not an integer from 1 to 65535; no agent-check',
    );
    expect(warnings).toContain(
      'cluster "c": node "i4:80": metadata.agent_inter 3601 is not a number of seconds above 0 and at most 3600; no agent-check',
    );
    expect(warnings).toContain(
      'cluster "c": node "x:80": metadata.agent_inter without metadata.agent_port; ignored',
    );
    expect(checkWithHAProxy(text).valid).toBe(true);
  });

  it('adds a node with its agent-check and enables the agent', () => {
    const agent = server({ options: ['check'], agent: { port: 5555, interMs: 500 }, weight: 7 });
    expect(plan(agent, undefined, { ...DYNAMIC, check: true }).lines).toEqual([
      'add server web/a:80 10.0.0.1:80 check agent-check agent-port 5555 agent-inter 500ms weight 7',
      'enable health web/a:80',
      'enable agent web/a:80',
      'set server web/a:80 state ready',
    ]);
  });

  it('adds a draining node with its agent stopped, so that the drain sticks', () => {
    expect(plan(server({ drain: true, agent: { port: 5555 } }), undefined).lines).toEqual([
      'add server web/a:80 10.0.0.1:80 agent-check agent-port 5555',
      'set server web/a:80 state drain',
    ]);
  });

  it('leaves weight and admin state to a running agent: no fight', () => {
    const wanted = server({ agent: { port: 5555 }, weight: 100 });
    for (const adminState of [0, AdminFlags.forcedDrain, AdminFlags.forcedMaint]) {
      const running = live({ weight: 40, adminState, agentState: AGENT_ON, agentPort: 5555 });
      expect(plan(wanted, running)).toEqual({ lines: [], reload: undefined });
    }
  });

  it('stops the agent to drain, and starts it again once ready', () => {
    const wanted = server({ agent: { port: 5555 } });
    const running = live({ weight: 40, agentState: AGENT_ON, agentPort: 5555 });
    expect(plan({ ...wanted, drain: true }, running).lines).toEqual([
      'disable agent web/a:80',
      'set server web/a:80 state drain',
    ]);
    const drained = { ...running, agentState: AGENT_OFF, adminState: AdminFlags.forcedDrain };
    expect(plan({ ...wanted, drain: true }, drained).lines).toEqual([]);
    expect(plan(wanted, drained).lines).toEqual([
      'enable agent web/a:80',
      'set server web/a:80 state ready',
    ]);
  });

  it('moves a running agent to a new port at runtime, a stopped one once it runs', () => {
    const running = live({ agentState: AGENT_ON, agentPort: 5555 });
    const moved = server({ agent: { port: 6000 } });
    expect(plan(moved, running)).toEqual({
      lines: ['set server web/a:80 agent-port 6000'],
      reload: undefined,
    });
    const drained = { ...running, agentState: AGENT_OFF, adminState: AdminFlags.forcedDrain };
    expect(plan({ ...moved, drain: true }, drained).lines).toEqual([]);
    expect(plan(moved, drained).lines).toEqual([
      'enable agent web/a:80',
      'set server web/a:80 agent-port 6000',
      'set server web/a:80 state ready',
    ]);
  });

  it('reloads for what the runtime API cannot change: a new agent, a new interval', () => {
    const wanted = server({ agent: { port: 5555, interMs: 1000 } });
    expect(plan(wanted, live()).reload).toBe(
      'agent-check of web/a:80: HAProxy cannot add one at runtime',
    );
    const running = live({ agentState: AGENT_ON, agentPort: 5555 });
    expect(plan(wanted, running, DYNAMIC, '500ms').reload).toBe(
      'agent-inter of web/a:80: HAProxy cannot change it at runtime',
    );
    expect(plan(wanted, running, DYNAMIC, '1000ms').reload).toBeUndefined();
    expect(plan(wanted, running, DYNAMIC, undefined).reload).toBeUndefined();
  });

  it('stops the agent of a node that no longer advertises one, and takes weight and state back', () => {
    const running = live({ weight: 40, adminState: AdminFlags.forcedDrain, agentState: AGENT_ON });
    expect(plan(server(), running).lines).toEqual([
      'disable agent web/a:80',
      'set server web/a:80 weight 1',
      'set server web/a:80 state ready',
    ]);
    expect(plan(server(), { ...running, agentState: AGENT_OFF, weight: 1, adminState: 0 })).toEqual(
      { lines: [], reload: undefined },
    );
  });
});

describe('the running HAProxy as the source of last resort', () => {
  it('keeps a drain that is not the agent’s, and the agent port', () => {
    const nodes = nodesFromLive([
      live({ server: 'a:80', adminState: AdminFlags.forcedDrain }),
      live({ server: 'b:80', adminState: AdminFlags.forcedDrain, agentState: AGENT_ON }),
      live({
        server: 'c:80',
        adminState: AdminFlags.forcedDrain,
        agentState: AGENT_OFF,
        agentPort: 5555,
        weight: 40,
        initialWeight: 100,
      }),
    ]);
    expect(nodes.map((n) => n.metadata)).toEqual([
      { state: 'drain' },
      {},
      { weight: 100, state: 'drain', agent_port: 5555 },
    ]);
  });
});

describe('renderedAgentInters', () => {
  it('reads the last agent-inter of each cluster backend server line, comments ignored', () => {
    const { text } = render(
      [
        node('a', '10.0.0.1', 80, { agent_port: 5555, agent_inter: 0.5, state: 'drain' }),
        node('b', '10.0.0.2', 80, { agent_port: 5555 }),
        node('c', '10.0.0.3', 80),
      ],
      { server_options: 'agent-inter 3s' },
    );
    expect(renderedAgentInters(text)).toEqual(
      new Map([
        ['c/a:80', '500ms'],
        ['c/b:80', '3s'],
        ['c/c:80', '3s'],
      ]),
    );
  });
});
