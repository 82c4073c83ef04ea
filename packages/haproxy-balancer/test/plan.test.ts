import { describe, expect, it } from 'vitest';
import { backendTraits } from '../src/backend-traits.js';
import { planSync } from '../src/plan.js';
import { splitAddress } from '../src/plan-server.js';
import { commandLine } from '../src/runtime/commands.js';
import { AdminFlags } from '../src/runtime/show-parsers.js';
import type { BackendTraits } from '../src/backend-traits.js';
import type { PlanInput } from '../src/plan.js';
import type { BackendServer } from '../src/render-servers.js';
import type { ServerAdminState } from '../src/runtime/commands.js';
import type { ServerState } from '../src/runtime/show-parsers.js';

/** The planner's rules, without HAProxy: what goes through the runtime API, what reloads. */

const DYNAMIC: BackendTraits = { weight: 1, check: false, agent: false, disabled: false };

/** `srv_agent_state` of a server whose agent runs, as 2.6.12 reports it. */
const AGENT_ON = 0x16;

function server(name: string, port: number, extra: Partial<BackendServer> = {}): BackendServer {
  return { name: `${name}:${port}`, address: `10.0.0.1:${port}`, options: [], ...extra };
}

function live(
  backend: string,
  name: string,
  port: number,
  extra: Partial<ServerState> = {},
): ServerState {
  return {
    backendId: 1,
    backend,
    serverId: port,
    server: `${name}:${port}`,
    address: '10.0.0.1',
    opState: 2,
    adminState: 0,
    weight: 1,
    initialWeight: 1,
    port,
    agentState: 0,
    agentPort: 0,
    ...extra,
  };
}

function desired(servers: BackendServer[], traits: BackendTraits = DYNAMIC): PlanInput {
  return {
    structure: 'S',
    backends: new Map([['web', servers]]),
    traits: new Map([['web', traits]]),
  };
}

function lines(plan: ReturnType<typeof planSync>): string[] {
  return plan.commands.map(commandLine);
}

describe('planSync', () => {
  it('asks for a reload when the structure changed or is unknown', () => {
    const state = new Map([['web', []]]);
    expect(planSync(desired([]), undefined, state).reload).toMatch(/not written by this writer/);
    expect(planSync(desired([]), undefined, state).cause).toBe('adopt');
    expect(planSync(desired([]), 'OTHER', state)).toEqual({
      commands: [],
      reload: 'frontends, backends or directive lines changed',
      cause: 'structure',
    });
  });

  it('still converges membership at runtime when the structure changed', () => {
    const plan = planSync(desired([server('a', 80)]), 'OTHER', new Map([['web', []]]));
    expect(plan.reload).toBe('frontends, backends or directive lines changed');
    expect(lines(plan)).toEqual([
      'add server web/a:80 10.0.0.1:80',
      'set server web/a:80 state ready',
    ]);
  });

  it('does nothing when HAProxy already runs the desired servers', () => {
    const plan = planSync(
      desired([server('a', 80)]),
      'S',
      new Map([['web', [live('web', 'a', 80)]]]),
    );
    expect(plan).toEqual({ commands: [] });
  });

  it('adds a server and puts it in rotation, with checks and agent when configured', () => {
    const traits = { ...DYNAMIC, check: true, agent: true };
    const plan = planSync(
      desired([server('a', 80, { options: ['check', 'inter', '2s'], weight: 7 })], traits),
      'S',
      new Map([['web', []]]),
    );
    expect(plan.reload).toBeUndefined();
    expect(lines(plan)).toEqual([
      'add server web/a:80 10.0.0.1:80 check inter 2s weight 7',
      'enable health web/a:80',
      'enable agent web/a:80',
      'set server web/a:80 state ready',
    ]);
  });

  it('leaves a server added with "disabled" in maintenance', () => {
    const plan = planSync(
      desired([server('a', 80)], { ...DYNAMIC, disabled: true }),
      'S',
      new Map([['web', []]]),
    );
    expect(lines(plan)).toEqual(['add server web/a:80 10.0.0.1:80']);
  });

  it('drains then deletes a removed server, disabling its agent first', () => {
    const plan = planSync(
      desired([], { ...DYNAMIC, agent: true }),
      'S',
      new Map([['web', [live('web', 'a', 80, { agentState: AGENT_ON })]]]),
    );
    expect(lines(plan)).toEqual([
      'disable agent web/a:80',
      'set server web/a:80 state maint',
      'del server web/a:80',
    ]);
  });

  it('only retries the deletion of a server already in maintenance', () => {
    const state = live('web', 'a', 80, { adminState: AdminFlags.forcedMaint });
    expect(lines(planSync(desired([]), 'S', new Map([['web', [state]]])))).toEqual([
      'del server web/a:80',
    ]);
  });

  it('changes weight, address and forced admin state at runtime', () => {
    const plan = planSync(
      desired([server('a', 80, { weight: 5, address: '[::1]:81' })]),
      'S',
      new Map([['web', [live('web', 'a', 80, { adminState: AdminFlags.forcedDrain })]]]),
    );
    expect(plan.reload).toBeUndefined();
    expect(lines(plan)).toEqual([
      'set server web/a:80 addr ::1 port 81',
      'set server web/a:80 weight 5',
      'set server web/a:80 state ready',
    ]);
  });

  it("leaves a state an operator forced alone, and converges the writer's own", () => {
    const running = (adminState: number) =>
      new Map([['web', [live('web', 'a', 80, { adminState })]]]);
    const ready = desired([server('a', 80)]);
    const writer = (state?: ServerAdminState) => ({ writerState: () => state });
    // Maintenance on a listed server is an operator's when the writer last set something else.
    const maint = planSync(ready, 'S', running(AdminFlags.forcedMaint), writer('ready'));
    expect(maint).toEqual({
      commands: [],
      held: [{ backend: 'web', server: 'a:80', state: 'maint' }],
    });
    // A state the ledger cannot explain (no entry) is taken as the writer's, and converged.
    expect(lines(planSync(ready, 'S', running(AdminFlags.forcedMaint), writer()))).toEqual([
      'set server web/a:80 state ready',
    ]);
    expect(lines(planSync(ready, 'S', running(AdminFlags.forcedDrain), writer()))).toEqual([
      'set server web/a:80 state ready',
    ]);
    expect(lines(planSync(ready, 'S', running(AdminFlags.forcedMaint), writer('maint')))).toEqual([
      'set server web/a:80 state ready',
    ]);
    // A drain is the operator's when the writer last set something else.
    const drain = planSync(ready, 'S', running(AdminFlags.forcedDrain), writer('ready'));
    expect(drain.held).toEqual([{ backend: 'web', server: 'a:80', state: 'drain' }]);
    expect(drain.commands).toEqual([]);
    expect(lines(planSync(ready, 'S', running(AdminFlags.forcedDrain), writer('drain')))).toEqual([
      'set server web/a:80 state ready',
    ]);
    // Lifted by the operator: nothing to do, nothing held.
    expect(planSync(ready, 'S', running(0), writer('ready'))).toEqual({ commands: [] });
  });

  it('compares IPv6 addresses as HAProxy prints them, not as spelled', () => {
    const running = new Map([['web', [{ ...live('web', 'a', 80), address: '2001:db8::1' }]]]);
    const spelled = desired([server('a', 80, { address: '[2001:DB8:0:0:0:0:0:1]:80' })]);
    expect(planSync(spelled, 'S', running)).toEqual({ commands: [] });
    const moved = desired([server('a', 80, { address: '[2001:db8::2]:80' })]);
    expect(lines(planSync(moved, 'S', running))).toEqual([
      'set server web/a:80 addr 2001:db8::2 port 80',
    ]);
  });

  it('leaves config maintenance (disabled in the file) alone', () => {
    const state = live('web', 'a', 80, { adminState: AdminFlags.configMaint });
    expect(planSync(desired([server('a', 80)]), 'S', new Map([['web', [state]]]))).toEqual({
      commands: [],
    });
  });

  it('reloads for membership a static backend cannot change, after taking removals out of rotation', () => {
    const traits = {
      ...DYNAMIC,
      addBlocker: 'static',
      deleteBlocker: 'static',
      weightBlocker: 'static',
    };
    const plan = planSync(
      desired([server('a', 80, { weight: 3 }), server('b', 81)], traits),
      'S',
      new Map([['web', [live('web', 'a', 80), live('web', 'c', 82)]]]),
    );
    expect(lines(plan)).toEqual(['set server web/c:82 state maint']);
    expect(plan.reload).toBe(
      'weight of web/a:80: static; new server web/b:81: static; removed server web/c:82: static',
    );
  });

  it('converges to the configured weight when the node sets none, and to metadata.weight first', () => {
    const state = (weight: number): Map<string, ServerState[]> =>
      new Map([['web', [live('web', 'a', 80, { weight, initialWeight: 5 })]]]);
    const configured = { ...DYNAMIC, weight: 5 };
    expect(planSync(desired([server('a', 80)], configured), 'S', state(5))).toEqual({
      commands: [],
    });
    // A weight the node no longer sets goes back to the configured one.
    expect(lines(planSync(desired([server('a', 80)], configured), 'S', state(0)))).toEqual([
      'set server web/a:80 weight 5',
    ]);
    const explicit = desired([server('a', 80, { weight: 3 })], configured);
    expect(lines(planSync(explicit, 'S', state(5)))).toEqual(['set server web/a:80 weight 3']);
  });

  it('leaves weight and admin state to an agent', () => {
    const agent = { ...DYNAMIC, agent: true };
    const fed = live('web', 'a', 80, {
      weight: 50,
      adminState: AdminFlags.forcedDrain,
      agentState: AGENT_ON,
    });
    const maint = live('web', 'b', 81, {
      weight: 1,
      adminState: AdminFlags.forcedMaint,
      agentState: AGENT_ON,
    });
    const plan = planSync(
      desired([server('a', 80, { weight: 7 }), server('b', 81)], agent),
      'S',
      new Map([['web', [fed, maint]]]),
    );
    expect(plan).toEqual({ commands: [] });
  });

  it('sets 0 and the initial weight at runtime in a static backend; reloads only for others', () => {
    const traits = { ...DYNAMIC, weightBlocker: 'static', weight: 4 };
    const running = (weight: number, initialWeight: number): Map<string, ServerState[]> =>
      new Map([['web', [live('web', 'a', 80, { weight, initialWeight })]]]);
    // Freshly (re)loaded from the same file: nothing to do.
    expect(planSync(desired([server('a', 80)], traits), 'S', running(4, 4))).toEqual({
      commands: [],
    });
    // Restored from the state file (weight set at runtime before the reload): no reload loop.
    expect(lines(planSync(desired([server('a', 80)], traits), 'S', running(9, 4)))).toEqual([
      'set server web/a:80 weight 4',
    ]);
    const drained = planSync(desired([server('a', 80, { weight: 0 })], traits), 'S', running(4, 4));
    expect(drained).toEqual({
      commands: [{ op: 'set-weight', backend: 'web', server: 'a:80', weight: 0 }],
    });
    const changed = planSync(desired([server('a', 80, { weight: 6 })], traits), 'S', running(4, 4));
    expect(changed).toEqual({
      commands: [],
      reload: 'weight of web/a:80: static',
      cause: 'static',
    });
  });

  it('adds the first server of an empty backend at runtime (show servers state omits it)', () => {
    const state: PlanInput = {
      structure: 'S',
      backends: new Map([
        ['web', [server('a', 80)]],
        ['api', []],
      ]),
      traits: new Map([
        ['web', DYNAMIC],
        ['api', DYNAMIC],
      ]),
    };
    const plan = planSync(state, 'S', new Map([['api', [live('api', 'x', 9)]]]));
    expect(plan.reload).toBeUndefined();
    expect(lines(plan)).toContain('set server api/x:9 state maint');
    expect(lines(plan).some((line) => line.startsWith('add server web/a:80 '))).toBe(true);
  });

  it('reloads for a backend missing from the running HAProxy when the structure changed', () => {
    const state: PlanInput = {
      structure: 'S2',
      backends: new Map([['web', [server('a', 80)]]]),
      traits: new Map([['web', DYNAMIC]]),
    };
    expect(planSync(state, 'S', new Map()).reload).toBeDefined();
  });
});

describe('splitAddress', () => {
  it('splits IPv4 and bracketed IPv6 addresses', () => {
    expect(splitAddress('10.1.2.3:8080')).toEqual({ ip: '10.1.2.3', port: 8080 });
    expect(splitAddress('[fe80::1]:81')).toEqual({ ip: 'fe80::1', port: 81 });
  });
});

describe('backendTraits', () => {
  const dynamic = { dynamicServers: true, cookies: false };

  it('accepts the dynamic algorithms and consistent hashing', () => {
    expect(backendTraits(['balance leastconn'], {}, dynamic).addBlocker).toBeUndefined();
    expect(
      backendTraits([], { backend: ['balance random(2)'] }, dynamic).addBlocker,
    ).toBeUndefined();
    const consistent = backendTraits(
      ['hash-type consistent'],
      { backend: ['balance source'] },
      dynamic,
    );
    expect(consistent).toEqual({ weight: 1, check: false, agent: false, disabled: false });
  });

  it('blocks static-rr and map-based hashing for adds, deletes and weights', () => {
    const staticRr = backendTraits(['balance static-rr'], {}, dynamic);
    expect(staticRr.addBlocker).toMatch(/static-rr/);
    expect(staticRr.deleteBlocker).toMatch(/static-rr/);
    expect(staticRr.weightBlocker).toMatch(/static-rr/);
    expect(backendTraits([], { backend: ['balance uri'] }, dynamic).addBlocker).toMatch(
      /map-based/,
    );
  });

  it('blocks adds that would lose default-server, cookies or refused keywords', () => {
    expect(backendTraits(['default-server inter 3s'], {}, dynamic).addBlocker).toMatch(
      /default-server/,
    );
    expect(backendTraits([], {}, { ...dynamic, cookies: true }).addBlocker).toMatch(/cookies/);
    const resolvers = backendTraits([], { server_options: 'check resolvers dns' }, dynamic);
    expect(resolvers.addBlocker).toMatch(/"resolvers"/);
    expect(resolvers.deleteBlocker).toBeUndefined();
  });

  it('reads check, agent-check and disabled from the options, skipping values', () => {
    const traits = backendTraits(
      [],
      { server_options: 'check agent-check agent-port 9 inter check' },
      dynamic,
    );
    expect(traits).toEqual({ weight: 1, check: true, agent: true, disabled: false });
    expect(backendTraits([], { server_options: 'agent-send disabled' }, dynamic).disabled).toBe(
      false,
    );
  });

  it('reads the configured weight and the agent from server_options over default-server lines', () => {
    expect(backendTraits([], {}, dynamic).weight).toBe(1);
    expect(backendTraits([], { server_options: 'check weight 5' }, dynamic).weight).toBe(5);
    const inherited = backendTraits(
      ['default-server weight 7 agent-check agent-port 9'],
      { backend: ['balance source', 'default-server inter 3s weight 8'] },
      dynamic,
    );
    expect(inherited).toMatchObject({ weight: 8, agent: true });
    const overridden = backendTraits(
      ['default-server weight 7 agent-check'],
      { server_options: 'weight 2 no-agent-check' },
      dynamic,
    );
    expect(overridden).toMatchObject({ weight: 2, agent: false });
    expect(backendTraits([], { server_options: 'agent-send weight' }, dynamic).weight).toBe(1);
  });

  it('blocks every runtime membership change without dynamic servers', () => {
    const old = backendTraits([], {}, { dynamicServers: false, cookies: false });
    expect(old.addBlocker).toMatch(/no dynamic servers/);
    expect(old.deleteBlocker).toMatch(/no dynamic servers/);
    expect(old.weightBlocker).toBeUndefined();
  });
});
