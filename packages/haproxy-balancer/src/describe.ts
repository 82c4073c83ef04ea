import type { BalancerReport } from '@lighthouse/core';
import { forcedState } from './plan-server.js';
import { AdminFlags } from './runtime/show-parsers.js';
import type { ServerState } from './runtime/show-parsers.js';
import type { ReloadRecord } from './telemetry.js';

/** What `lighthouse status` shows of the balancer, from `show servers state` and its history. */
export interface DescribeInput {
  /** `show servers state` by backend; undefined when HAProxy or its admin socket is down. */
  live: ReadonlyMap<string, readonly ServerState[]> | undefined;
  /** Servers held in an operator's state, by `<backend>/<server>`. */
  held: ReadonlyMap<string, string>;
  reloads: readonly ReloadRecord[];
  facts: Record<string, string | number>;
}

const OPERATIONAL = ['down', 'starting', 'up', 'stopping'];

/** `maint`, `drain`, or the operational state (`up`, `down`…) of a server in rotation. */
function memberState(server: ServerState): string {
  const forced = forcedState(server.adminState);
  if (forced !== 'ready') return forced;
  if ((server.adminState & AdminFlags.configMaint) !== 0) return 'maint';
  return OPERATIONAL[server.opState] ?? `op-state ${server.opState}`;
}

export function describeBalancer(input: DescribeInput): BalancerReport {
  const clusters = [...(input.live ?? new Map<string, readonly ServerState[]>())].map(
    ([name, servers]) => ({
      name,
      members: servers.map((server) => {
        const setBy = input.held.has(`${name}/${server.server}`) ? { setBy: 'operator' } : {};
        return {
          name: server.server,
          address: server.address,
          port: server.port,
          state: memberState(server),
          ...setBy,
        };
      }),
    }),
  );
  const facts =
    input.live === undefined ? { ...input.facts, admin_socket: 'not answering' } : input.facts;
  return { clusters, reloads: [...input.reloads], facts };
}
