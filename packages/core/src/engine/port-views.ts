import type { AgentPortState } from '../contracts/agent.js';
import type { PortHealth } from './health-proxy.js';
import type { MaintenanceEntry } from '../maintenance/index.js';
import type { PortStatus } from './port-monitor.js';

/**
 * The reporter's view of one port, shaped for who asks: the health proxy (HAProxy's httpchk) and
 * a service's agent (HAProxy's agent-check). Both answer from the same live state.
 */

/** One (service, port) as `status()` reports it. */
export interface ReporterPortStatus extends PortStatus {
  /** Whether discovery has confirmed the registration this port should have. */
  registered: boolean;
  /** The maintenance entry in force for this port (`lighthouse down`), if any. */
  maintenance?: MaintenanceEntry;
}

/** Why a port is not healthy: its first failing check's last reason, if it has one. */
function failingReason(port: ReporterPortStatus): string | undefined {
  if (port.healthy) return undefined;
  const failing = port.checks.find((check) => !check.passing);
  return failing?.last?.reason ?? (failing === undefined ? undefined : `${failing.name} failing`);
}

/** What the health proxy answers from. */
export function healthOf(port: ReporterPortStatus): PortHealth {
  const reason = failingReason(port);
  const { maintenance } = port;
  return {
    service: port.service,
    port: port.port,
    healthy: port.healthy,
    registered: port.registered,
    checks: port.checks,
    ...(reason === undefined ? {} : { reason }),
    ...(maintenance === undefined
      ? {}
      : {
          maintenance: {
            mode: maintenance.mode,
            reason: maintenance.reason,
            since: maintenance.since,
            ...(maintenance.until === undefined ? {} : { until: maintenance.until }),
          },
        }),
  };
}

/** What a service's agent is told about one of its ports. */
export function agentStateOf(port: ReporterPortStatus): AgentPortState {
  const reason = failingReason(port);
  const { maintenance } = port;
  return {
    port: port.port,
    healthy: port.healthy,
    ...(reason === undefined ? {} : { reason }),
    ...(maintenance === undefined
      ? {}
      : { maintenance: { mode: maintenance.mode, reason: maintenance.reason } }),
  };
}
