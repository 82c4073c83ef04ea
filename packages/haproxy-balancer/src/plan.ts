import type { BackendTraits } from './backend-traits.js';
import { addCommands, removeCommands, updateCommands } from './plan-server.js';
import type { BackendContext, HeldServer, ReloadCause, ReloadReason } from './plan-server.js';
import type { BackendServer } from './render-servers.js';
import type { RuntimeCommand, ServerAdminState } from './runtime/commands.js';
import type { ServerState } from './runtime/show-parsers.js';
import type { Why } from './telemetry.js';

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

/** What the planner knows of the past, besides what HAProxy reports now. */
export interface PlanHistory {
  /**
   * The `agent-inter` of a server line in the file HAProxy last loaded, which `show servers
   * state` does not report (undefined: not known, nothing compared).
   */
  agentInter?: (backend: string, server: string) => string | undefined;
  /**
   * The admin state this writer last put the server in (undefined: none known). A state HAProxy
   * reports that the writer did not set is an operator's, and is left alone.
   */
  writerState?: (backend: string, server: string) => ServerAdminState | undefined;
}

/** The plan for one sync. */
export interface Plan {
  /** Commands to run now, in order (also before a reload: they take effect at once). */
  commands: RuntimeCommand[];
  /** Why a reload is needed, or undefined when the commands are enough. */
  reload?: string;
  /** The kind of the first reason, for metrics (a bounded label, unlike `reload`). */
  cause?: ReloadCause;
  /** Servers left in a state an operator set (see {@link PlanHistory.writerState}). */
  held?: HeldServer[];
  /**
   * The backends planned, when not all: what earlier batches left behind in the others (servers
   * held in an operator's state, removals pending) stays as it was.
   */
  scope?: ReadonlySet<string>;
}

/** Why the structure alone needs a reload, or undefined. */
function structureReason(
  desired: PlanInput,
  applied: string | undefined,
): ReloadReason | undefined {
  if (applied === undefined) {
    return { cause: 'adopt', text: 'the running configuration was not written by this writer' };
  }
  if (applied !== desired.structure) {
    return { cause: 'structure', text: 'frontends, backends or directive lines changed' };
  }
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
  history: PlanHistory = {},
): Plan {
  const commands: RuntimeCommand[] = [];
  const reasons: ReloadReason[] = [];
  const held: HeldServer[] = [];
  const needReload = (cause: ReloadCause, text: string): void => void reasons.push({ cause, text });
  const structure = structureReason(desired, appliedStructure);
  if (structure !== undefined) reasons.push(structure);
  for (const [backend, servers] of desired.backends) {
    // `show servers state` lists no row for a backend without servers: when the running
    // structure is the desired one, a backend absent from it exists and is empty, so its first
    // server goes in at runtime. (A backend that really is missing refuses `add server`, and the
    // refusal falls back to a reload.)
    const running = live.get(backend) ?? (structure === undefined ? [] : undefined);
    const traits = desired.traits.get(backend);
    if (running === undefined || traits === undefined) {
      if (structure === undefined)
        needReload('structure', `backend ${backend} is missing from the running HAProxy`);
      continue;
    }
    const byName = new Map(running.map((server) => [server.server, server]));
    const context: BackendContext = {
      backend,
      traits,
      appliedAgentInter: (server) => history.agentInter?.(backend, server),
      writerState: (server) => history.writerState?.(backend, server),
      needReload,
      hold: (server, state) => void held.push({ backend, server, state }),
    };
    for (const server of servers) {
      const current = byName.get(server.name);
      byName.delete(server.name);
      if (current !== undefined) {
        commands.push(...updateCommands(server, current, context));
      } else if (traits.addBlocker === undefined) {
        commands.push(...addCommands(backend, server, traits));
      } else {
        needReload('static', `new server ${backend}/${server.name}: ${traits.addBlocker}`);
      }
    }
    for (const removed of byName.values()) {
      commands.push(...removeCommands(backend, removed, traits));
      if (traits.deleteBlocker !== undefined) {
        needReload(
          'static',
          `removed server ${backend}/${removed.server}: ${traits.deleteBlocker}`,
        );
      }
    }
  }
  const plan: Plan = { commands };
  if (held.length > 0) plan.held = held;
  const first = reasons[0];
  if (first === undefined) return plan;
  return { ...plan, reload: reasons.map((reason) => reason.text).join('; '), cause: first.cause };
}

/** Why a sync must reload after its commands: the planner's reason, or a refused command. */
export function reloadWhy(plan: Plan, refused: string | undefined): Why | undefined {
  if (plan.reload !== undefined) return { cause: plan.cause ?? 'structure', text: plan.reload };
  return refused === undefined ? undefined : { cause: 'runtime-refused', text: refused };
}
