import type { BackendTraits } from './backend-traits.js';
import type { BackendServer } from './render-servers.js';
import type { RuntimeCommand } from './runtime/commands.js';
import { AdminFlags } from './runtime/show-parsers.js';
import type { ServerState } from './runtime/show-parsers.js';

/**
 * The planner: desired state vs. what HAProxy runs → runtime commands, or "reload needed" and
 * why. Pure, so every rule is unit-tested without HAProxy. Membership, weight, address and admin
 * state converge through the runtime API; only what HAProxy 2.6 cannot change at runtime (a
 * structural change, or servers in a backend whose algorithm is static) asks for a reload.
 */

/** What the balancer wants HAProxy to run. */
export interface PlanInput {
  /** Fingerprint of everything but cluster backends' server lines (see fingerprint.ts). */
  structure: string;
  /** Each cluster backend's servers. */
  backends: ReadonlyMap<string, readonly BackendServer[]>;
  /** Each cluster backend's runtime capabilities. */
  traits: ReadonlyMap<string, BackendTraits>;
}

/** The plan for one sync. */
export interface Plan {
  /** Commands to run now, in order (also before a reload: they take effect at once). */
  commands: RuntimeCommand[];
  /** Why a reload is needed, or undefined when the commands are enough. */
  reload?: string;
}

/** `ip:port` or `[ip6]:port` split into the IP (no brackets) and the port. */
export function splitAddress(address: string): { ip: string; port: number } {
  const colon = address.lastIndexOf(':');
  return {
    ip: address.slice(0, colon).replace(/^\[(.*)\]$/, '$1'),
    port: Number(address.slice(colon + 1)),
  };
}

function addCommands(
  backend: string,
  server: BackendServer,
  traits: BackendTraits,
): RuntimeCommand[] {
  const target = { backend, server: server.name };
  const add: RuntimeCommand = {
    op: 'add-server',
    ...target,
    address: server.address,
    options: server.options,
    ...(server.weight === undefined ? {} : { weight: server.weight }),
  };
  return [
    add,
    ...(traits.check ? [{ op: 'enable-health', ...target } as const] : []),
    ...(traits.agent ? [{ op: 'enable-agent', ...target } as const] : []),
    ...(traits.disabled ? [] : [{ op: 'set-state', ...target, state: 'ready' } as const]),
  ];
}

function updateCommands(
  backend: string,
  server: BackendServer,
  live: ServerState,
  traits: BackendTraits,
  needReload: (reason: string) => void,
): RuntimeCommand[] {
  const target = { backend, server: server.name };
  const commands: RuntimeCommand[] = [];
  const { ip, port } = splitAddress(server.address);
  if (live.address !== ip || live.port !== port)
    commands.push({ op: 'set-addr', ...target, ip, port });
  // An agent owns weight and admin state (load feedback, drain, maint): converging them would
  // undo what it set at every sync.
  if (traits.agent) return commands;
  const weight = server.weight ?? traits.weight;
  if (live.weight !== weight) {
    // A static algorithm takes 0 and the initial weight at runtime; any other weight only from
    // the file, by a reload (which then sets the initial weight too: no reload at the next sync).
    const settable = weight === 0 || weight === live.initialWeight;
    if (traits.weightBlocker === undefined || settable) {
      commands.push({ op: 'set-weight', ...target, weight });
    } else {
      needReload(`weight of ${backend}/${server.name}: ${traits.weightBlocker}`);
    }
  }
  const forced = AdminFlags.forcedMaint | AdminFlags.forcedDrain;
  if ((live.adminState & forced) !== 0 && !traits.disabled) {
    commands.push({ op: 'set-state', ...target, state: 'ready' });
  }
  return commands;
}

/**
 * Removal: out of rotation at once (maint; the agent disabled first so it cannot bring the server
 * back), then `del server`. HAProxy refuses the deletion while connections remain: the server
 * then stays in maint and the next sync tries again.
 */
function removeCommands(
  backend: string,
  live: ServerState,
  traits: BackendTraits,
): RuntimeCommand[] {
  const target = { backend, server: live.server };
  const inMaint = (live.adminState & AdminFlags.forcedMaint) !== 0;
  return [
    ...(traits.agent && !inMaint ? [{ op: 'disable-agent', ...target } as const] : []),
    ...(inMaint ? [] : [{ op: 'set-state', ...target, state: 'maint' } as const]),
    ...(traits.deleteBlocker === undefined ? [{ op: 'del-server', ...target } as const] : []),
  ];
}

/** Why the structure alone needs a reload, or undefined. */
function structureReason(desired: PlanInput, applied: string | undefined): string | undefined {
  if (applied === undefined) return 'the running configuration was not written by this writer';
  if (applied !== desired.structure) return 'frontends, backends or directive lines changed';
  return undefined;
}

/**
 * Plans one sync. `appliedStructure`: the structure HAProxy was last given (undefined when
 * unknown: then it must be reloaded to be sure). `live`: `show servers state`, by backend.
 * Membership commands are planned for every backend HAProxy already runs even when a reload is
 * needed anyway: they take effect at once, and still do if the new structure is refused by
 * `haproxy -c` (the last good structure stays, its membership keeps converging).
 */
export function planSync(
  desired: PlanInput,
  appliedStructure: string | undefined,
  live: ReadonlyMap<string, readonly ServerState[]>,
): Plan {
  const commands: RuntimeCommand[] = [];
  const reasons: string[] = [];
  const needReload = (reason: string): void => void reasons.push(reason);
  const structure = structureReason(desired, appliedStructure);
  if (structure !== undefined) needReload(structure);
  for (const [backend, servers] of desired.backends) {
    // `show servers state` lists no row for a backend without servers: when the running
    // structure is the desired one, a backend absent from it exists and is empty, so its first
    // server goes in at runtime. (A backend that really is missing refuses `add server`, and the
    // refusal falls back to a reload.)
    const running = live.get(backend) ?? (structure === undefined ? [] : undefined);
    const traits = desired.traits.get(backend);
    if (running === undefined || traits === undefined) {
      if (structure === undefined)
        needReload(`backend ${backend} is missing from the running HAProxy`);
      continue;
    }
    const byName = new Map(running.map((server) => [server.server, server]));
    for (const server of servers) {
      const current = byName.get(server.name);
      byName.delete(server.name);
      if (current !== undefined) {
        commands.push(...updateCommands(backend, server, current, traits, needReload));
      } else if (traits.addBlocker === undefined) {
        commands.push(...addCommands(backend, server, traits));
      } else {
        needReload(`new server ${backend}/${server.name}: ${traits.addBlocker}`);
      }
    }
    for (const removed of byName.values()) {
      commands.push(...removeCommands(backend, removed, traits));
      if (traits.deleteBlocker !== undefined) {
        needReload(`removed server ${backend}/${removed.server}: ${traits.deleteBlocker}`);
      }
    }
  }
  return reasons.length === 0 ? { commands } : { commands, reload: reasons.join('; ') };
}
