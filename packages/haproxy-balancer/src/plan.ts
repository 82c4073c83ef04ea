import type { BackendTraits } from './backend-traits.js';
import { addCommands, removeCommands, updateCommands } from './plan-server.js';
import type { BackendServer } from './render-servers.js';
import type { RuntimeCommand } from './runtime/commands.js';
import type { ServerState } from './runtime/show-parsers.js';

/**
 * The planner: desired state vs. what HAProxy runs → runtime commands, or "reload needed" and
 * why. Pure, so every rule is unit-tested without HAProxy. Membership, weight, address, admin
 * state and agents converge through the runtime API (the per-server rules: plan-server.ts); only
 * what HAProxy 2.6 cannot change at runtime (a structural change, servers in a backend whose
 * algorithm is static, an agent-check added to a running server or its interval changed) asks
 * for a reload.
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

/** Why the structure alone needs a reload, or undefined. */
function structureReason(desired: PlanInput, applied: string | undefined): string | undefined {
  if (applied === undefined) return 'the running configuration was not written by this writer';
  if (applied !== desired.structure) return 'frontends, backends or directive lines changed';
  return undefined;
}

/**
 * Plans one sync. `appliedStructure`: the structure HAProxy was last given (undefined when
 * unknown: then it must be reloaded to be sure). `live`: `show servers state`, by backend.
 * `appliedAgentInter`: the `agent-inter` of a server line in the file HAProxy last loaded, which
 * `show servers state` does not report (undefined: not known, nothing compared).
 * Membership commands are planned for every backend HAProxy already runs even when a reload is
 * needed anyway: they take effect at once, and still do if the new structure is refused by
 * `haproxy -c` (the last good structure stays, its membership keeps converging).
 */
export function planSync(
  desired: PlanInput,
  appliedStructure: string | undefined,
  live: ReadonlyMap<string, readonly ServerState[]>,
  appliedAgentInter: (backend: string, server: string) => string | undefined = () => undefined,
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
    const context = {
      backend,
      traits,
      appliedAgentInter: (server: string) => appliedAgentInter(backend, server),
      needReload,
    };
    for (const server of servers) {
      const current = byName.get(server.name);
      byName.delete(server.name);
      if (current !== undefined) {
        commands.push(...updateCommands(server, current, context));
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
