import { canonicalIp } from './addresses.js';
import { agentInterWord } from './agent-interval.js';
import type { BackendTraits } from './backend-traits.js';
import { serverWords } from './render-servers.js';
import type { BackendServer } from './render-servers.js';
import type { RuntimeCommand, ServerAdminState } from './runtime/commands.js';
import { AdminFlags, CheckFlags } from './runtime/show-parsers.js';
import type { ServerState } from './runtime/show-parsers.js';

/**
 * The planner's rules for one server: the runtime commands that add it, converge it, or remove
 * it. Admin state has three owners, told apart by HAProxy's own flags and by what the writer last
 * set: the node (`metadata.state` drain, through the writer), the server's agent while it runs
 * (`up ready 40%`, `drain`, `maint`), and an operator — a state forced from the CLI that the
 * writer did not set (`set server web/a state maint`) is left as it is until the operator lifts
 * it.
 */

/** Kinds of reload reasons: a bounded set, for metrics and logs. */
export type ReloadCause = 'adopt' | 'structure' | 'static' | 'agent';

/** One reason to reload. */
export interface ReloadReason {
  cause: ReloadCause;
  text: string;
}

/** A server left in a state an operator set. */
export interface HeldServer {
  backend: string;
  server: string;
  state: ServerAdminState;
}

/** What planning one backend's servers needs besides them. */
export interface BackendContext {
  backend: string;
  traits: BackendTraits;
  /** The `agent-inter` of a server's line in the file HAProxy loaded; undefined: not known. */
  appliedAgentInter: (server: string) => string | undefined;
  /** The admin state the writer last set on the server; undefined: not known. */
  writerState: (server: string) => ServerAdminState | undefined;
  needReload: (cause: ReloadCause, text: string) => void;
  /** Reports a server left in an operator's state. */
  hold: (server: string, state: ServerAdminState) => void;
}

/** `ip:port` or `[ip6]:port` split into the IP (no brackets) and the port. */
export function splitAddress(address: string): { ip: string; port: number } {
  const colon = address.lastIndexOf(':');
  const host = address.slice(0, colon);
  const bracketed = host.startsWith('[') && host.endsWith(']');
  return { ip: bracketed ? host.slice(1, -1) : host, port: Number(address.slice(colon + 1)) };
}

const FORCED = AdminFlags.forcedMaint | AdminFlags.forcedDrain;

/** Whether the server runs an agent-check: the cluster's (options, default-server) or its node's. */
function hasAgent(server: BackendServer, traits: BackendTraits): boolean {
  return traits.agent || server.agent !== undefined;
}

/** The admin state the node asks for. */
function wanted(server: BackendServer): ServerAdminState {
  return server.drain === true ? 'drain' : 'ready';
}

/** Whether the CLI-forced flags are exactly what `set server … state <state>` leaves. */
function inState(adminState: number, state: ServerAdminState): boolean {
  return (adminState & FORCED) === (state === 'drain' ? AdminFlags.forcedDrain : 0);
}

/** The state the CLI-forced flags amount to (maintenance wins over drain, as in HAProxy). */
export function forcedState(adminState: number): ServerAdminState {
  if ((adminState & AdminFlags.forcedMaint) !== 0) return 'maint';
  return (adminState & AdminFlags.forcedDrain) !== 0 ? 'drain' : 'ready';
}

/**
 * Whether a forced state the writer would change is an operator's: the ledger knows the server
 * and says the writer put it in another state. A state the ledger cannot explain (no entry: a
 * writer restarted without the server in its outage cache) is taken as the writer's and
 * converged — holding a server out of rotation needs positive evidence that a person did it.
 */
function operatorState(live: ServerState, writer: ServerAdminState | undefined): boolean {
  const state = forcedState(live.adminState);
  return state !== 'ready' && writer !== undefined && writer !== state;
}

/**
 * A new server: added (in maintenance, as every runtime-added server starts), checks enabled, then
 * put in its state: a draining node goes straight from maintenance to drain, never ready. Its
 * agent stays off while it drains (see {@link agentCommands}).
 */
export function addCommands(
  backend: string,
  server: BackendServer,
  traits: BackendTraits,
): RuntimeCommand[] {
  const target = { backend, server: server.name };
  const add: RuntimeCommand = {
    op: 'add-server',
    ...target,
    address: server.address,
    options: serverWords(server),
    ...(server.weight === undefined ? {} : { weight: server.weight }),
  };
  const agent = hasAgent(server, traits) && server.drain !== true;
  return [
    add,
    ...(traits.check ? [{ op: 'enable-health', ...target } as const] : []),
    ...(agent ? [{ op: 'enable-agent', ...target } as const] : []),
    // `disabled` servers stay in maintenance, like the file has them.
    ...(traits.disabled ? [] : [{ op: 'set-state', ...target, state: wanted(server) } as const]),
  ];
}

function weightCommands(
  server: BackendServer,
  live: ServerState,
  { backend, traits, needReload }: BackendContext,
): RuntimeCommand[] {
  const weight = server.weight ?? traits.weight;
  if (live.weight === weight) return [];
  // A static algorithm takes 0 and the initial weight at runtime; any other weight only from
  // the file, by a reload (which then sets the initial weight too: no reload at the next sync).
  if (traits.weightBlocker === undefined || weight === 0 || weight === live.initialWeight) {
    return [{ op: 'set-weight', backend, server: server.name, weight }];
  }
  needReload('static', `weight of ${backend}/${server.name}: ${traits.weightBlocker}`);
  return [];
}

/**
 * A server with an agent-check. While the agent runs it owns weight and admin state, and its
 * `ready` clears any drain or maintenance forced from the CLI, so the writer converges neither:
 * it would undo the agent's word at every sync, and the agent the writer's at every poll. The
 * node's own drain therefore turns the agent off first (`disable agent`: the drain sticks, the
 * weight stays as the agent left it); once the node is ready again the agent is turned back on
 * and the drain lifted, once. A stopped agent on a server meant to be ready is the writer's to
 * restart (its drain, a removal called off, or a `disable agent` from the CLI).
 */
function agentCommands(
  server: BackendServer,
  live: ServerState,
  { backend, traits, appliedAgentInter, needReload }: BackendContext,
): RuntimeCommand[] {
  const target = { backend, server: server.name };
  if ((live.agentState & CheckFlags.configured) === 0) {
    needReload(
      'agent',
      `agent-check of ${backend}/${server.name}: HAProxy cannot add one at runtime`,
    );
    return [];
  }
  const applied = appliedAgentInter(server.name);
  if (applied !== undefined && applied !== agentInterWord(serverWords(server))) {
    needReload(
      'agent',
      `agent-inter of ${backend}/${server.name}: HAProxy cannot change it at runtime`,
    );
  }
  const state = wanted(server);
  const running = (live.agentState & CheckFlags.enabled) !== 0;
  const setState =
    traits.disabled || inState(live.adminState, state)
      ? []
      : [{ op: 'set-state', ...target, state } as const];
  if (state === 'drain') {
    // A changed agent port waits until the agent runs again: HAProxy refuses it on a stopped one.
    return [...(running ? [{ op: 'disable-agent', ...target } as const] : []), ...setState];
  }
  const port = server.agent?.port;
  const moved = port !== undefined && live.agentPort !== 0 && live.agentPort !== port;
  return [
    ...(running ? [] : [{ op: 'enable-agent', ...target } as const]),
    ...(moved ? [{ op: 'set-agent-port', ...target, port } as const] : []),
    ...(running ? [] : setState),
  ];
}

/** Converges a running server: address, then weight and state (or its agent's settings). */
export function updateCommands(
  server: BackendServer,
  live: ServerState,
  context: BackendContext,
): RuntimeCommand[] {
  const target = { backend: context.backend, server: server.name };
  const commands: RuntimeCommand[] = [];
  const { ip, port } = splitAddress(server.address);
  if (canonicalIp(live.address) !== canonicalIp(ip) || live.port !== port)
    commands.push({ op: 'set-addr', ...target, ip, port });
  if (hasAgent(server, context.traits))
    return [...commands, ...agentCommands(server, live, context)];
  // The node stopped advertising its agent: stop it (HAProxy cannot remove it before a reload),
  // then weight and state are the writer's again — including a state the agent left.
  const agentStopped = (live.agentState & CheckFlags.enabled) !== 0;
  if (agentStopped) commands.push({ op: 'disable-agent', ...target });
  commands.push(...weightCommands(server, live, context));
  const state = wanted(server);
  if (context.traits.disabled || inState(live.adminState, state)) return commands;
  if (!agentStopped && operatorState(live, context.writerState(server.name))) {
    context.hold(server.name, forcedState(live.adminState));
  } else {
    commands.push({ op: 'set-state', ...target, state });
  }
  return commands;
}

/**
 * Removal: out of rotation at once (maint, not drain: drain still takes persistent sessions, and
 * a node mostly leaves discovery because it failed its check; a running agent is stopped first,
 * or its `ready` would bring the server back), then `del server`. HAProxy refuses the deletion
 * while connections remain: the server then waits in maint for them (see removals.ts).
 */
export function removeCommands(
  backend: string,
  live: ServerState,
  traits: BackendTraits,
): RuntimeCommand[] {
  const target = { backend, server: live.server };
  const inMaint = (live.adminState & AdminFlags.forcedMaint) !== 0;
  const running = (live.agentState & CheckFlags.enabled) !== 0;
  return [
    ...(running ? [{ op: 'disable-agent', ...target } as const] : []),
    ...(inMaint ? [] : [{ op: 'set-state', ...target, state: 'maint' } as const]),
    ...(traits.deleteBlocker === undefined ? [{ op: 'del-server', ...target } as const] : []),
  ];
}
